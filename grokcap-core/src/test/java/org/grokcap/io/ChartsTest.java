package org.grokcap.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChartsTest {
    @TempDir
    Path dir;

    /** A grokking-like run: train loss falls to zero (and below, as a rounding artefact), test loss late. */
    private static List<Map<String, Double>> rows() {
        List<Map<String, Double>> rows = new ArrayList<>();
        for (int step = 0; step <= 1000; step += 100) {
            double train = step >= 800 ? (step == 900 ? -1e-9 : 0.0) : 4.0 * Math.exp(-step / 50.0);
            double test = step < 600 ? 4.6 : 4.6 * Math.exp(-(step - 600) / 40.0);
            rows.add(Map.of("step", (double) step,
                    "train_loss", train, "train_accuracy", Math.min(1.0, step / 300.0),
                    "test_loss", test, "test_accuracy", step < 600 ? 0.01 : 0.99));
        }
        rows.add(Map.of("step", 1100.0, "train_loss", Double.NaN)); // a diverged evaluation is left out
        return rows;
    }

    @Test
    void writesFourFiles() throws IOException {
        Path out = dir.resolve("plots");
        Charts.trainingCurves(out, "modular addition p=113", rows(), List.of("train", "test"));
        checkFiles(out);
    }

    @Test
    void logStepAxis() throws IOException {
        Path out = dir.resolve("plots-logx");
        Charts.trainingCurves(out, "log x", rows(), List.of("train", "test"), true);
        checkFiles(out);
    }

    @Test
    void splitWithoutValuesAndNoRowsStillDraw() throws IOException {
        Charts.trainingCurves(dir.resolve("missing-split"), "t", rows(), List.of("train", "ood"));
        checkFiles(dir.resolve("missing-split"));
        Charts.trainingCurves(dir.resolve("empty"), "t", List.of(), List.of("train"));
        checkFiles(dir.resolve("empty"));
    }

    @Test
    void longRunsAreThinnedNotBloated(@TempDir Path dir) throws IOException {
        Path small = dir.resolve("small");
        Path large = dir.resolve("large");
        Charts.trainingCurves(small, "t", curve(Charts.MAX_POINTS), List.of("train"));
        Charts.trainingCurves(large, "t", curve(10 * Charts.MAX_POINTS + 7), List.of("train"));
        long s = Files.size(small.resolve("loss.svg"));
        long l = Files.size(large.resolve("loss.svg"));
        assertTrue(l < 1.5 * s, "10× the rows drew " + l + " bytes against " + s);
    }

    private static List<Map<String, Double>> curve(int n) {
        List<Map<String, Double>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(Map.of("step", (double) i, "train_loss", 1.0 / (1 + i), "train_accuracy", i / (double) n));
        }
        return rows;
    }

    private static void checkFiles(Path out) throws IOException {
        for (String name : List.of("loss", "accuracy")) {
            BufferedImage png = ImageIO.read(out.resolve(name + ".png").toFile());
            assertNotNull(png, name + ".png does not decode");
            assertEquals(Charts.WIDTH, png.getWidth());
            assertEquals(Charts.HEIGHT, png.getHeight());
            String svg = Files.readString(out.resolve(name + ".svg"), StandardCharsets.UTF_8);
            assertTrue(svg.startsWith("<?xml") || svg.startsWith("<svg"), svg.substring(0, Math.min(80, svg.length())));
            assertTrue(svg.contains("svg"));
        }
        try (var files = Files.list(out)) {
            assertEquals(4, files.count(), "no temporary files left behind");
        }
    }
}
