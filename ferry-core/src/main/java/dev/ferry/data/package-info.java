/**
 * Images into tensors, exactly as torchvision and Pillow do it: image folders
 * ({@link dev.ferry.data.ImageFolder}), decoding ({@link dev.ferry.data.ImageDecoder}, with the
 * optional {@link dev.ferry.data.ExifOrientation}), Pillow's resampling, the eval and training
 * transforms of a {@link dev.ferry.data.Preset}, dataset splits, the parallel batch loader, and
 * duplicate images by content hash and perceptual hash ({@link dev.ferry.data.Duplicates}),
 * and embeddings on disk: float32 {@code .npy} matrices ({@link dev.ferry.data.Npy}) with their
 * {@link dev.ferry.data.EmbeddingIndex}, and the labelled or flat folders they come from
 * ({@link dev.ferry.data.ImageSet}).
 *
 * <p>A bottom layer: it knows no network, no engine and no training; it uses the JDK (ImageIO with
 * the TwelveMonkeys plugins), {@code platform}'s worker threads and file hashing, and {@code dev.ferry}'s error types.
 */
package dev.ferry.data;
