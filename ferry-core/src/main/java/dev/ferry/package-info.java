/**
 * ferry: ImageNet-pretrained ResNets for transfer learning on the JVM. This package holds what every
 * layer shares: the error types ({@link dev.ferry.FerryException} for a failure while working,
 * {@link dev.ferry.InputException} for bad input), their {@link dev.ferry.Message}s, which refer to the
 * user's {@link dev.ferry.Setting}s without naming them so that each front end names them in its own
 * terms, {@link dev.ferry.Futures} and {@link dev.ferry.Suggestions}.
 *
 * <p>The layers, bottom to top (each may use the ones below it, never one above; a test keeps it
 * so): {@code platform}; {@code data}, {@code model}; {@code weights}; {@code eval}; {@code train};
 * {@code workflow}; then the front ends {@code demo}, {@code bench}, {@code serve} (its own module,
 * ferry-serve, used only by {@code cli}) and {@code cli}. Nothing imports {@code cli}.
 * This package uses only the JDK.
 */
package dev.ferry;
