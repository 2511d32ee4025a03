/**
 * The demo experiment on the data ferry ships (Fashion-MNIST's unseen classes, from a network
 * ferry pretrained on the others), and the code that rebuilds that shipped network. A front end
 * over {@code train}, {@code model}, {@code data}, {@code weights} and {@code eval}; only
 * {@code cli} uses it.
 */
package dev.ferry.demo;
