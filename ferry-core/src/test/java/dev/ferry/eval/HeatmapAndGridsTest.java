package dev.ferry.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The Grad-CAM overlay, the filter and feature-map grids, and the gallery's overlay, on hand-made numbers. */
class HeatmapAndGridsTest {

    @Test
    void jetRunsFromBlueThroughGreenToRed() {
        assertEquals(0x000080, Heatmap.jet(0));
        assertEquals(0x0000ff, Heatmap.jet(0.125));
        assertEquals(0x80ff80, Heatmap.jet(0.5));
        assertEquals(0xff0000, Heatmap.jet(0.875));
        assertEquals(0x800000, Heatmap.jet(1));
        assertEquals(Heatmap.jet(1), Heatmap.jet(7), "clamped");
    }

    @Test
    void theOverlayIsTheImageAndTheHeatHalfAndHalf() throws IOException {
        byte[] rgb = {(byte) 200, 100, 0, 10, 20, 30};
        float[][] map = {{1f, 0f}};
        int[] px = Heatmap.blend(rgb, 2, 1, map, 0.5);
        assertEquals(((100 + 64) << 16) | (50 << 8) | 0, px[0]);
        assertEquals((5 << 16) | (10 << 8) | 79, px[1]);
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(Heatmap.overlayPng(rgb, 2, 1, map, 0.5)));
        assertEquals(px[0], back.getRGB(0, 0) & 0xffffff);
        assertEquals(px[1], back.getRGB(1, 0) & 0xffffff);
        assertThrows(IllegalArgumentException.class, () -> Heatmap.blend(rgb, 2, 1, new float[][] {{1f}}, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Heatmap.blend(rgb, 2, 1, map, 1.5));
    }

    @Test
    void eachFilterIsScaledOnItsOwnAndEnlargedWithoutSmoothing() {
        // Two 3x2x2 filters: the second is the first times 100 plus 5, so both tiles look the same.
        float[] w = new float[2 * 3 * 4];
        for (int i = 0; i < 12; i++) {
            w[i] = i - 3;
            w[12 + i] = 100 * (i - 3) + 5;
        }
        Grids.Grid g = Grids.filters(w, 2, 3, 2, 3, 8);
        assertEquals(Grids.GAP + 2 * (6 + Grids.GAP), g.width());
        assertEquals(Grids.GAP + 6 + Grids.GAP, g.height());
        for (int f = 0; f < 2; f++) {
            int[] origin = g.tileOrigin(f);
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 2; x++) {
                    int want = 0;
                    for (int c = 0; c < 3; c++) {
                        // the values run -3..8 in both filters (in units of the filter's scale)
                        want = (want << 8) | (int) Math.round(255.0 * ((c * 4 + y * 2 + x)) / 11);
                    }
                    for (int dy = 0; dy < 3; dy++) {
                        for (int dx = 0; dx < 3; dx++) {
                            assertEquals(want, g.rgb(origin[0] + 3 * x + dx, origin[1] + 3 * y + dy), f + ":" + x + "," + y);
                        }
                    }
                }
            }
        }
        assertEquals(Grids.BACKGROUND, g.rgb(0, 0));
        assertEquals(Grids.BACKGROUND, g.rgb(Grids.GAP + 6, Grids.GAP), "between the tiles");
        assertThrows(IllegalArgumentException.class, () -> Grids.filters(new float[8], 2, 1, 2, 1, 8));
    }

    @Test
    void featureMapsAreGreyTilesAndAConstantOneIsBlack() {
        float[][][] maps = {{{0f, 2f}, {4f, 8f}}, {{3f, 3f}, {3f, 3f}}, {{-1f, 1f}, {1f, -1f}}};
        Grids.Grid g = Grids.featureMaps(maps, 1, 2);
        assertEquals(2, g.columns());
        assertEquals(Grids.GAP + 2 * (2 + Grids.GAP), g.width());
        assertEquals(Grids.GAP + 2 * (2 + Grids.GAP), g.height());
        int[] o = g.tileOrigin(0);
        assertEquals(0, g.rgb(o[0], o[1]));
        assertEquals(0x404040, g.rgb(o[0] + 1, o[1]), "2 of 0..8 is level 64");
        assertEquals(0xffffff, g.rgb(o[0] + 1, o[1] + 1));
        int[] c = g.tileOrigin(1);
        assertEquals(0, g.rgb(c[0], c[1]));
        int[] t = g.tileOrigin(2);
        assertEquals(Grids.GAP + 2 + Grids.GAP, t[1], "the third tile starts the second row");
        assertEquals(0xffffff, g.rgb(t[0] + 1, t[1]));
        assertEquals(4, Grids.scaleFor(14, 56));
        assertEquals(5, Grids.scaleFor(14, 57));
    }

    @Test
    void theGalleryShowsTheOverlayNextToTheThumbnail() {
        byte[] thumb = Thumbnails.png(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), 8);
        byte[] overlay = Heatmap.overlayPng(new byte[3 * 4], 2, 2, new float[][] {{0f, 1f}, {1f, 0f}}, 0.5);
        String html = ReportWriter.html(Report.builder("t").gallery("Worst", List.of(
                new GalleryItem("with.png", thumb, "a", "b", 0.6, overlay),
                new GalleryItem("without.png", thumb, "a", "b", 0.6))).build());
        String encoded = Base64.getEncoder().encodeToString(overlay);
        assertTrue(html.contains("<div class=\"pair\"><img src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(thumb)
                + "\" alt=\"with.png\"><img src=\"data:image/png;base64," + encoded + "\" alt=\"Grad-CAM of with.png\"></div>"), html);
        assertEquals(1, html.split("Grad-CAM of the predicted class", -1).length - 1, "one caption, for the item with an overlay");
        assertArrayEquals(overlay, new GalleryItem("x", thumb, "a", "b", 0.6, overlay).overlay());
        assertFalse(new GalleryItem("x", thumb, "a", "b", 0.6).equals(new GalleryItem("x", thumb, "a", "b", 0.6, overlay)));
        assertThrows(IllegalArgumentException.class, () -> new GalleryItem("x", thumb, "a", "b", 0.6, new byte[] {1, 2}));
    }
}
