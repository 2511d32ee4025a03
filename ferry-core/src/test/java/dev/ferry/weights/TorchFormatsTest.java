package dev.ferry.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cross-format agreement and the values of specific tensors, independent of the manifest. */
class TorchFormatsTest {

    @Test
    void zipLegacyAndSafetensorsAgreeBitForBit() {
        StateDict zip = WeightsReader.read(Fixtures.path("resnet18_w8.pth"));
        StateDict legacy = WeightsReader.read(Fixtures.path("resnet18_w8_legacy.pth"));
        StateDict safetensors = WeightsReader.read(Fixtures.path("resnet18_w8.safetensors"));

        assertEquals(122, zip.size(), "resnet18: 20 convs + 20 BatchNorms x 5 entries + fc weight and bias");
        assertEquals(List.copyOf(zip.keys()), List.copyOf(legacy.keys()));
        assertEquals(zip.keys(), safetensors.keys());
        for (String key : zip.keys()) {
            assertEquals(zip.get(key), legacy.get(key), key);
            assertEquals(zip.get(key), safetensors.get(key), key);
        }
        assertEquals(Map.of("format", "pt", "source", "make_weight_fixtures.py"), safetensors.metadata());
        assertTrue(zip.notes().isEmpty(), zip.notes().toString());
    }

    @Test
    void resnet18KeysAndShapesAreTorchvisions() {
        StateDict sd = WeightsReader.read(Fixtures.path("resnet18_w8.pth"));
        assertEquals("conv1.weight", sd.keys().iterator().next());
        assertArrayEquals(new long[] {8, 3, 7, 7}, sd.get("conv1.weight").shape());
        assertArrayEquals(new long[] {16, 8, 3, 3}, sd.get("layer2.0.conv1.weight").shape());
        assertArrayEquals(new long[] {16, 8, 1, 1}, sd.get("layer2.0.downsample.0.weight").shape());
        assertArrayEquals(new long[] {10, 64}, sd.get("fc.weight").shape());
        Tensor tracked = sd.get("bn1.num_batches_tracked");
        assertEquals(DType.I64, tracked.dtype());
        assertEquals(0, tracked.rank());
        assertArrayEquals(new long[] {1234}, tracked.longs());
    }

    @Test
    void batchNormStatisticsAreNotTheIdentity() {
        StateDict sd = WeightsReader.read(Fixtures.path("resnet50_w8.pth"));
        Tensor var = sd.get("layer3.5.bn3.running_var");
        Tensor mean = sd.get("layer3.5.bn3.running_mean");
        assertArrayEquals(new long[] {128}, var.shape());
        assertNotEquals(var.numel(), var.sum(), 1.0);
        assertNotEquals(0.0, mean.sum(), 1e-3);
    }

    @Test
    void float16FileMatchesFloat32WithinHalfPrecision() {
        StateDict f32 = WeightsReader.read(Fixtures.path("resnet18_w8.pth"));
        StateDict f16 = WeightsReader.read(Fixtures.path("resnet18_w8_f16.pth"));
        assertEquals(f32.keys(), f16.keys());
        int inexact = 0;
        for (String key : f32.keys()) {
            Tensor a = f32.get(key);
            Tensor b = f16.get(key);
            assertArrayEquals(a.shape(), b.shape(), key);
            if (!a.isFloating()) {
                assertEquals(a, b, key);
                continue;
            }
            assertEquals(DType.F16, b.dtype(), key);
            for (int i = 0; i < a.numel(); i++) {
                float x = a.floats()[i];
                float y = b.floats()[i];
                // Round-to-nearest float16: relative error at most 2^-11 for normals, absolute 2^-25 below them.
                assertEquals(x, y, Math.max(Math.abs(x) * 0x1p-11f, 0x1p-25f), key + "[" + i + "]");
                if (x != y) {
                    inexact++;
                }
            }
        }
        assertTrue(inexact > 1000, "float16 really lost precision: " + inexact);
    }

    @Test
    void stridedAndOffsetTensorsHaveTheRightValues() {
        StateDict plain = WeightsReader.read(Fixtures.path("resnet18_w8.pth"));
        StateDict strided = WeightsReader.read(Fixtures.path("resnet18_w8_strided.pth"));
        // fc.weight was saved as a transposed view (strides (1, 10)) of a contiguous 64x10 copy: same values.
        assertEquals(plain.get("fc.weight"), strided.get("fc.weight"));
        // fc.bias was saved as row 3 of that 64x10 buffer (storage offset 30): column 3 of fc.weight.
        float[] w = plain.get("fc.weight").floats();
        float[] bias = strided.get("fc.bias").floats();
        assertArrayEquals(new long[] {10}, strided.get("fc.bias").shape());
        for (int j = 0; j < 10; j++) {
            assertEquals(w[j * 64 + 3], bias[j], 0.0, "bias " + j);
        }
    }

    @Test
    void mixedDtypesAndLayouts() {
        for (String file : List.of("mixed_dtypes.pth", "mixed_dtypes_legacy.pth", "mixed_dtypes.safetensors")) {
            StateDict sd = WeightsReader.read(Fixtures.path(file));
            assertArrayEquals(new long[] {-3, 0, 7, 1L << 40, -(1L << 50), 1}, sd.get("i64").longs(), file);
            assertArrayEquals(new long[] {Integer.MIN_VALUE, 5, Integer.MAX_VALUE}, sd.get("i32").longs(), file);
            assertArrayEquals(new long[] {0, 17, 255}, sd.get("u8").longs(), file);
            assertArrayEquals(new long[] {1, 0, 1}, sd.get("bool").longs(), file);
            assertEquals(DType.BOOL, sd.get("bool").dtype(), file);
            assertArrayEquals(new long[0], sd.get("scalar").shape(), file);
            assertArrayEquals(new float[] {2.5f}, sd.get("scalar").floats(), file);
            assertArrayEquals(new long[] {0, 4}, sd.get("empty").shape(), file);
            assertEquals(0, sd.get("empty").numel(), file);
            assertEquals(DType.BF16, sd.get("bf16").dtype(), file);
            assertEquals(DType.F64, sd.get("f64").dtype(), file);
            assertTrue(sd.notes().contains("rounded 1 float64 tensors to float32"), sd.notes().toString());

            // big = arange(24).reshape(2, 3, 4) / 8 - 1; the generator saved three views of it.
            Tensor permuted = sd.get("permuted"); // big.permute(2, 0, 1): shape 4x2x3
            assertArrayEquals(new long[] {4, 2, 3}, permuted.shape(), file);
            for (int k = 0; k < 4; k++) {
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 3; j++) {
                        assertEquals(big(i, j, k), permuted.floats()[k * 6 + i * 3 + j], 0.0, file + " permuted");
                    }
                }
            }
            Tensor sliced = sd.get("sliced"); // big[:, 1:, ::2]: shape 2x2x2
            assertArrayEquals(new long[] {2, 2, 2}, sliced.shape(), file);
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    for (int k = 0; k < 2; k++) {
                        assertEquals(big(i, j + 1, 2 * k), sliced.floats()[i * 4 + j * 2 + k], 0.0, file + " sliced");
                    }
                }
            }
            assertArrayEquals(new float[] {1.5f, -2f, 0.25f, 1.5f, -2f, 0.25f}, sd.get("expanded").floats(), file);
        }
    }

    private static float big(int i, int j, int k) {
        return (i * 12 + j * 4 + k) / 8.0f - 1.0f;
    }

    @Test
    void halfAndBfloat16ConversionIsExact() {
        assertEquals(1.0f, TensorDecoder.halfToFloat((short) 0x3c00));
        assertEquals(-2.0f, TensorDecoder.halfToFloat((short) 0xc000));
        assertEquals(65504f, TensorDecoder.halfToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, TensorDecoder.halfToFloat((short) 0x0001), "smallest subnormal");
        assertEquals(0x1p-14f - 0x1p-24f, TensorDecoder.halfToFloat((short) 0x03ff), "largest subnormal");
        assertEquals(Float.NEGATIVE_INFINITY, TensorDecoder.halfToFloat((short) 0xfc00));
        assertTrue(Float.isNaN(TensorDecoder.halfToFloat((short) 0x7e00)));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(TensorDecoder.halfToFloat((short) 0x8000)));
    }

    @Test
    void checkpointDictIsUnwrappedAndSaysSo() {
        StateDict plain = WeightsReader.read(Fixtures.path("resnet18_w8.pth"));
        StateDict checkpoint = WeightsReader.read(Fixtures.path("resnet18_w8_checkpoint.pth"));
        assertEquals(plain.asMap(), checkpoint.asMap());
        assertEquals(List.of("read the 'state_dict' entry of a checkpoint dict (ignored: epoch, arch, best_acc1, optimizer)"),
                checkpoint.notes());
    }

    @Test
    void protocol4PickleIsRead() {
        StateDict sd = WeightsReader.read(Fixtures.path("tiny_proto4.pth"));
        assertEquals(List.of("weight", "steps"), List.copyOf(sd.keys()));
        assertArrayEquals(new long[] {9}, sd.get("steps").longs());
    }

    @Test
    void prefixCanBeRemoved() {
        StateDict sd = WeightsReader.read(Fixtures.path("tiny_proto4.pth"));
        StateDict stripped = sd.withoutPrefix("wei");
        assertEquals(List.of("ght", "steps"), List.copyOf(stripped.keys()));
        assertEquals(List.of("removed prefix 'wei' from 1 keys"), stripped.notes());
        assertFalse(sd.contains("ght"));
    }
}
