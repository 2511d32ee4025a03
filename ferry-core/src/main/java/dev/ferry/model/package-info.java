/**
 * The ResNet family as torchvision builds it: {@link dev.ferry.model.ResNet} with BasicBlock and
 * Bottleneck stages from a table ({@link dev.ferry.model.Architecture}), fields named as
 * torchvision's state_dict keys, {@code forwardFeatures}/{@code forwardHead}/{@code resetClassifier}
 * as timm; its one folded inference description ({@link dev.ferry.model.InferencePlan}: every
 * BatchNorm folded into its convolution, derived from the modules), the engines that interpret it
 * ({@link dev.ferry.model.OrtResNet} on ONNX Runtime through {@link dev.ferry.model.OnnxExport},
 * {@link dev.ferry.model.FusedResNet} on libtorch) and the model summary. A plan built from a
 * structure and host values runs on ONNX Runtime without starting libtorch.
 *
 * <p>It knows no files, images or training loop; it uses DJL, ONNX Runtime, {@code platform} and
 * {@code dev.ferry}'s error types.
 */
package dev.ferry.model;
