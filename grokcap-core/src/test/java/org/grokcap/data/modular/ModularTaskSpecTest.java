package org.grokcap.data.modular;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.grokcap.config.ConfigException;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModularTaskSpecTest {

    /** Every operation against a direct BigInteger evaluation of its formula. */
    @Property(tries = 200)
    void operationsMatchTheirFormulas(@ForAll @IntRange(min = 0, max = 112) int x, @ForAll @IntRange(min = 0, max = 112) int y) {
        int p = 113;
        BigInteger P = BigInteger.valueOf(p);
        BigInteger X = BigInteger.valueOf(x);
        BigInteger Y = BigInteger.valueOf(y);
        assertEquals(X.add(Y).mod(P).intValue(), Operation.ADD.apply(x, y, p));
        assertEquals(X.subtract(Y).mod(P).intValue(), Operation.SUBTRACT.apply(x, y, p));
        assertEquals(X.multiply(Y).mod(P).intValue(), Operation.MULTIPLY.apply(x, y, p));
        if (y != 0) {
            int q = Operation.DIVIDE.apply(x, y, p);
            assertEquals(x, BigInteger.valueOf(q).multiply(Y).mod(P).intValue(), "x/y · y = x");
        }
        int cond = Operation.DIVIDE_IF_ODD_ELSE_SUBTRACT.apply(x, y, p);
        if (y % 2 == 1) {
            assertEquals(X.multiply(Y.modInverse(P)).mod(P).intValue(), cond);
        } else {
            assertEquals(X.subtract(Y).mod(P).intValue(), cond);
        }
        assertEquals(X.pow(2).add(Y.pow(2)).mod(P).intValue(), Operation.SQUARE_SUM.apply(x, y, p));
        assertEquals(X.pow(2).add(X.multiply(Y)).add(Y.pow(2)).mod(P).intValue(), Operation.QUADRATIC.apply(x, y, p));
        assertEquals(X.pow(2).add(X.multiply(Y)).add(Y.pow(2)).add(X).mod(P).intValue(),
                Operation.QUADRATIC_PLUS_X.apply(x, y, p));
        assertEquals(X.pow(3).add(X.multiply(Y)).mod(P).intValue(), Operation.CUBE_PLUS_XY.apply(x, y, p));
        assertEquals(X.pow(3).add(X.multiply(Y.pow(2))).add(Y).mod(P).intValue(),
                Operation.CUBE_PLUS_XY2_PLUS_Y.apply(x, y, p));
    }

    @Test
    void noOperatorFormatIsThreeTokensWithTargetAtTheEnd() {
        TokenizedDataset d = new ModularTaskSpec(97, Operation.ADD, InputFormat.NO_OPERATOR, 0.3).generate(0);
        assertEquals(3, d.contextLength());
        assertEquals(98, d.vocabSize());
        assertEquals(97, d.outputVocabSize());
        assertEquals("=", d.vocabulary().get(97));
        Split train = d.split("train");
        assertEquals((int) Math.floor(0.3 * 97 * 97), train.size());
        assertEquals(97 * 97 - train.size(), d.split("test").size());
        for (int i = 0; i < train.size(); i++) {
            int a = train.tokens()[3 * i];
            int b = train.tokens()[3 * i + 1];
            assertEquals(97, train.tokens()[3 * i + 2]);
            assertEquals(-1, train.targets()[3 * i]);
            assertEquals(-1, train.targets()[3 * i + 1]);
            assertEquals((a + b) % 97, train.targets()[3 * i + 2]);
        }
    }

    @Test
    void operatorFormatIsFourTokens() {
        TokenizedDataset d = new ModularTaskSpec(7, Operation.DIVIDE, InputFormat.WITH_OPERATOR, 0.5).generate(3);
        assertEquals(4, d.contextLength());
        assertEquals(9, d.vocabSize());
        assertEquals(7 * 6, d.split("train").size() + d.split("test").size(), "division leaves out y = 0");
        Split s = d.split("test");
        for (int i = 0; i < s.size(); i++) {
            assertEquals(7, s.tokens()[4 * i + 1]);
            assertEquals(8, s.tokens()[4 * i + 3]);
            assertNotEquals(0, s.tokens()[4 * i + 2]);
        }
    }

    @Property(tries = 30)
    void splitsAreDisjointCompleteAndSeeded(@ForAll @IntRange(min = 2, max = 40) int p,
                                            @ForAll @IntRange(min = 0, max = 1000) int seed) {
        ModularTaskSpec spec = new ModularTaskSpec(p, Operation.ADD, InputFormat.NO_OPERATOR, 0.5);
        TokenizedDataset d = spec.generate(seed);
        Set<Integer> seen = new HashSet<>();
        for (Split s : d.splits().values()) {
            for (int i = 0; i < s.size(); i++) {
                assertTrue(seen.add(s.tokens()[3 * i] * p + s.tokens()[3 * i + 1]), "pair in two splits");
            }
        }
        assertEquals(p * p, seen.size(), "every pair appears once");
        TokenizedDataset again = spec.generate(seed);
        assertArrayEquals(d.split("train").tokens(), again.split("train").tokens(), "same seed, same split");
        assertEquals(d.hash(), again.hash());
    }

    @Test
    void differentSeedsShuffleDifferently() {
        ModularTaskSpec spec = new ModularTaskSpec(97, Operation.ADD, InputFormat.NO_OPERATOR, 0.3);
        assertNotEquals(spec.generate(1).hash(), spec.generate(2).hash());
    }

    @Test
    void badSizesAreRejectedByName() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ModularTaskSpec(1, Operation.ADD, null, null));
        assertTrue(e.getMessage().startsWith("p = 1"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> new ModularTaskSpec(97, null, null, 1.0));
        assertTrue(e.getMessage().startsWith("trainFraction = 1.0"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> new ModularTaskSpec(97, null, null, 0.0));
        assertTrue(e.getMessage().contains("(0.0, 1.0)"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> new ModularTaskSpec(96, Operation.DIVIDE, null, null));
        assertTrue(e.getMessage().contains("prime"), e.getMessage());
        // non-dividing operations accept any p ≥ 2
        assertEquals(2, new ModularTaskSpec(96, Operation.MULTIPLY, null, 0.5).generate(0).splits().size());
    }
}
