package dev.ferry.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class TorchvisionTest {

    @Test
    void resizedSizeMatchesTorchvision() {
        // (w, h, size) -> (w', h') from torchvision 0.14 F._compute_resized_output_size.
        int[][] cases = {
            {451, 300, 256, 384, 256}, {300, 700, 256, 256, 597}, {200, 150, 256, 341, 256},
            {320, 240, 232, 309, 232}, {500, 333, 256, 384, 256}, {333, 500, 256, 256, 384},
            {1000, 3, 256, 85333, 256}, {256, 256, 256, 256, 256}, {640, 427, 232, 347, 232},
            {799, 533, 224, 335, 224}, {1234, 567, 255, 554, 255},
        };
        for (int[] c : cases) {
            assertArrayEquals(new int[] {c[3], c[4]}, Torchvision.resizedSize(c[0], c[1], c[2]),
                    c[0] + "x" + c[1] + " -> " + c[2]);
        }
    }

    @Test
    void resizeIsANoOpWhenTheSizeMatches() {
        RgbImage img = RgbImage.black(300, 256);
        assertSame(img, Torchvision.resize(img, 256, Interpolation.BILINEAR));
    }

    @Test
    void centerCropUsesBankersRounding() {
        // A 1-row gradient: value = x. (257 - 224) / 2 = 16.5 -> 16; (259 - 224) / 2 = 17.5 -> 18.
        assertEquals(16, Torchvision.centerCrop(ramp(257), 1, 224).get(0, 0, 0));
        assertEquals(18, Torchvision.centerCrop(ramp(259), 1, 224).get(0, 0, 0));
        assertEquals(17, Torchvision.centerCrop(ramp(258), 1, 224).get(0, 0, 0));
    }

    @Test
    void centerCropPadsLikeTorchvision() {
        // 30 wide -> 33: pad left (33-30)//2 = 1, right 2; then crop equals the padded image.
        RgbImage out = Torchvision.centerCrop(ramp(30), 1, 33);
        assertEquals(33, out.width());
        assertEquals(0, out.get(0, 0, 0));
        assertEquals(0, out.get(1, 0, 0)); // ramp value 0 at original x = 0
        assertEquals(1, out.get(2, 0, 0));
        assertEquals(29, out.get(30, 0, 0));
        assertEquals(0, out.get(31, 0, 0));
        // Taller crop than image, narrower than image: pad rows, then crop columns.
        RgbImage mixed = Torchvision.centerCrop(ramp(40), 3, 20);
        assertEquals(20, mixed.width());
        assertEquals(3, mixed.height());
        assertEquals(0, mixed.get(5, 0, 0)); // padded row 0
        assertEquals(15, mixed.get(5, 1, 0)); // original row, crop starts at round(20/2) = 10
    }

    private static RgbImage ramp(int width) {
        byte[] px = new byte[width * 3];
        for (int x = 0; x < width; x++) {
            px[x * 3] = (byte) x;
            px[x * 3 + 1] = (byte) x;
            px[x * 3 + 2] = (byte) x;
        }
        return new RgbImage(width, 1, px);
    }
}
