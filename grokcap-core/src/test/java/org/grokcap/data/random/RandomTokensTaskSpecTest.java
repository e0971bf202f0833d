package org.grokcap.data.random;

import org.grokcap.config.ConfigException;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.run.ConfigLoader;
import org.grokcap.train.ExperimentSpec;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomTokensTaskSpecTest {

    private static RandomTokensTaskSpec spec(int v, int s, int n) {
        return new RandomTokensTaskSpec(v, s, n, null, null);
    }

    @Test
    void sequencesAreShiftedIntoInputsAndNextTokenTargets() {
        TokenizedDataset d = spec(16, 8, 10).generate(3);
        assertEquals(7, d.contextLength(), "T = S − 1: the last token is a target only");
        assertEquals(16, d.vocabSize());
        assertEquals(16, d.outputVocabSize());
        assertEquals("train", d.trainSplit());
        assertEquals(java.util.List.of("train", "fresh"), java.util.List.copyOf(d.splits().keySet()));
        Split train = d.split("train");
        assertEquals(10, train.size());
        assertEquals(10, d.split("fresh").size(), "fresh defaults to min(N, 64)");
        for (int i = 0; i < 10; i++) {
            for (int t = 0; t + 1 < 7; t++) {
                assertEquals(train.targets()[i * 7 + t], train.tokens()[i * 7 + t + 1],
                        "the target at t is the input at t + 1 (sequence " + i + ")");
            }
        }
        for (int x : train.targets()) {
            assertTrue(x >= 0 && x < 16, "every position has a target in [0, V)");
        }
    }

    @Test
    void deterministicNestedInNAndTheFreshSplitIsNew() {
        TokenizedDataset small = spec(64, 32, 100).generate(7);
        TokenizedDataset large = spec(64, 32, 300).generate(7);
        int[] prefix = Arrays.copyOf(large.split("train").tokens(), 100 * 31);
        assertArrayEquals(small.split("train").tokens(), prefix, "N = 300 begins with the N = 100 data");
        assertArrayEquals(small.split("train").tokens(), spec(64, 32, 100).generate(7).split("train").tokens());
        assertFalse(Arrays.equals(small.split("train").tokens(), spec(64, 32, 100).generate(8).split("train").tokens()));
        assertFalse(Arrays.equals(Arrays.copyOf(small.split("train").targets(), 64 * 31),
                small.split("fresh").targets()), "fresh draws from its own stream");
        assertEquals(small.hash(), new RandomTokensTaskSpec(64, 32, 100, null, 7L).generate(123).hash(),
                "a task seed overrides the run's seed");
        assertEquals(1, new RandomTokensTaskSpec(64, 32, 100, 0, null).generate(0).splits().size(), "fresh 0: no split");
    }

    /** Every token value about equally often: a chi-square test over 200,000 draws, V = 50 (49 degrees of freedom). */
    @Test
    void tokensAreUniform() {
        int v = 50;
        Split train = spec(v, 201, 1000).generate(11).split("train");
        long[] counts = new long[v];
        for (int x : train.targets()) {
            counts[x]++;
        }
        double expected = (double) train.targets().length / v;
        double chi2 = 0;
        for (long c : counts) {
            chi2 += (c - expected) * (c - expected) / expected;
        }
        // P(χ²(49) > 94.5) ≈ 1e-4; a biased generator (e.g. modulo of a small range) would be far above.
        assertTrue(chi2 < 94.5, "chi-square " + chi2);
    }

    @Test
    void entropyIsNTimesSMinusOneTimesLog2V() {
        assertEquals(256 * 31 * 6.0, spec(64, 32, 256).datasetBits(), 0.0);
        assertEquals(8 * 7 * 4.0, spec(16, 8, 8).datasetBits(), 0.0);
        assertEquals(5 * 2 * Math.log(10) / Math.log(2), spec(10, 3, 5).datasetBits(), 1e-12);
    }

    /** The shipped sweep loads and expands to three model sizes × six N on the same V and S. */
    @Test
    void theShippedSweepCoversEveryModelSizeAndN() {
        org.grokcap.sweep.Sweep sweep = org.grokcap.sweep.Sweep.load(java.nio.file.Path.of("..", "conf",
                "random-tokens-sweep", "sweep.json"));
        assertEquals(15, sweep.runs().size());
        java.util.Set<Integer> widths = new java.util.TreeSet<>();
        java.util.Set<Integer> ns = new java.util.TreeSet<>();
        for (org.grokcap.sweep.SweepRun r : sweep.runs()) {
            RandomTokensTaskSpec task = (RandomTokensTaskSpec) r.spec().task();
            assertEquals(64, task.v());
            assertEquals(32, task.s());
            ns.add(task.n());
            widths.add(r.spec().model().dModel());
            // the measured plateau was read from runs that decay the learning rate to 1 % of its peak
            assertEquals("cosine", r.spec().train().optimizer().decay());
            assertEquals(0.01, r.spec().train().optimizer().minLrFactor());
        }
        assertEquals(java.util.Set.of(16, 24, 32), widths);
        assertEquals(java.util.Set.of(128, 256, 512, 1024, 2048), ns);
    }

    private static String error(String task) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "{\"task\":{\"type\":\"random-tokens\"," + task + "}}", false, "c.json")).getMessage();
    }

    @Test
    void badSizesAreOneLineNamingTheField() {
        ExperimentSpec ok = ConfigLoader.parse("{\"task\":{\"type\":\"random-tokens\",\"v\":64,\"s\":32,\"n\":100}}",
                false, "c.json");
        assertEquals(new RandomTokensTaskSpec(64, 32, 100, 64, null), ok.task());
        String[][] cases = {
                {"\"v\":1,\"s\":32,\"n\":10", "task.v = 1"},
                {"\"v\":64,\"s\":1,\"n\":10", "task.s = 1"},
                {"\"v\":64,\"s\":32,\"n\":0", "task.n = 0"},
                {"\"v\":64,\"s\":32", "task.n"},
                {"\"v\":64,\"s\":4097,\"n\":40000000", "task.n = 40000000"},
                {"\"v\":64,\"s\":32,\"n\":2147483647", "task.n = 2147483647"},
                {"\"v\":64,\"s\":32,\"n\":10,\"fresh\":-1", "task.fresh = -1"},
                {"\"v\":100000,\"s\":32,\"n\":10", "task.v = 100000"},
        };
        for (String[] c : cases) {
            String msg = error(c[0]);
            assertTrue(msg.contains(c[1]), c[0] + " → " + msg);
            assertFalse(msg.contains("\n"), "one line: " + msg);
        }
    }
}
