package dev.ferry.weights;

/** The weight file formats {@link WeightsReader} understands. */
public enum WeightsFormat {
    /** {@code torch.save} since PyTorch 1.6: a zip archive holding data.pkl and one entry per storage. */
    TORCH_ZIP,
    /** {@code torch.save} before PyTorch 1.6 (or with {@code _use_new_zipfile_serialization=False}): consecutive pickles, then raw storages. */
    TORCH_LEGACY,
    /** Hugging Face safetensors: a length-prefixed JSON header, then raw tensor data. */
    SAFETENSORS
}
