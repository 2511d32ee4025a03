/**
 * Weight files: torch's zip and legacy pickles (a restricted unpickler that builds no objects) and
 * safetensors read into a {@link dev.ferry.weights.StateDict}; the safetensors writer; loading a
 * state dict into a {@link dev.ferry.model.ResNet} by name with missing, unexpected and mis-shaped
 * keys reported apart ({@link dev.ferry.weights.ModelWeights}); the known torchvision weights
 * ({@link dev.ferry.weights.KnownWeights}, each with its {@link dev.ferry.data.Preset}) and their
 * download cache; timm's weights from the Hugging Face hub ({@link dev.ferry.weights.HubReference},
 * {@link dev.ferry.weights.HubConfig}, {@link dev.ferry.weights.HubCache}, the known ones in
 * {@link dev.ferry.weights.HubWeights}); and what the cache holds and whether it is intact
 * ({@link dev.ferry.weights.WeightsInventory}).
 *
 * <p>Uses {@code model}, {@code data} (the preset type), {@code platform}, DJL (to move tensors into a network), Gson and
 * {@code dev.ferry}'s error types; nothing above.
 */
package dev.ferry.weights;
