/**
 * The ResNet family as torchvision builds it: {@link dev.ferry.model.ResNet} with BasicBlock and
 * Bottleneck stages from a table ({@link dev.ferry.model.Architecture}), fields named as
 * torchvision's state_dict keys, {@code forwardFeatures}/{@code forwardHead}/{@code resetClassifier}
 * as timm; the BN-folded inference copies ({@link dev.ferry.model.FusedResNet} on libtorch,
 * {@link dev.ferry.model.OrtResNet} on ONNX Runtime) and the model summary.
 *
 * <p>It knows no files, images or training loop; it uses DJL, ONNX Runtime, {@code platform} and
 * {@code dev.ferry}'s error types.
 */
package dev.ferry.model;
