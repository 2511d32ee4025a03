package dev.ferry.model;

import java.util.Objects;

/**
 * A convolution and the BatchNorm that follows it, with their names inside the enclosing module as
 * torchvision's state_dict spells them ({@code conv1} / {@code bn1}, {@code downsample.0} /
 * {@code downsample.1}). Every convolution of a ResNet is one of these pairs: the unit a residual
 * branch is listed in and the unit BatchNorm folding works on.
 *
 * @param convName the convolution's name, e.g. {@code conv2}
 * @param conv the convolution (no bias)
 * @param bnName the BatchNorm's name, e.g. {@code bn2}
 * @param bn the BatchNorm over the convolution's output channels
 */
public record ConvBn(String convName, Conv2d conv, String bnName, BatchNorm2d bn) {
    public ConvBn {
        Objects.requireNonNull(convName, "convName");
        Objects.requireNonNull(conv, "conv");
        Objects.requireNonNull(bnName, "bnName");
        Objects.requireNonNull(bn, "bn");
    }
}
