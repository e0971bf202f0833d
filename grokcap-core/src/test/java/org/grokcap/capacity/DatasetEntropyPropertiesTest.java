package org.grokcap.capacity;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.grokcap.data.profiles.Attribute;
import org.grokcap.data.profiles.BirthDates;
import org.grokcap.data.profiles.Pool;
import org.grokcap.data.profiles.Profiles;
import org.grokcap.data.profiles.ProfilesData;
import org.grokcap.data.profiles.ProfilesTaskSpec;
import org.grokcap.data.profiles.RelationMode;
import org.grokcap.data.profiles.Relations;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetEntropyPropertiesTest {

    /** Pools (first, middle, last, city, university, employer) and the rest of a shape, except n. */
    record Setup(long first, long middle, long last, long city, long university, long employer, List<String> attributes,
                 List<String> relations, RelationMode mode, boolean twoHop) {
        long names() {
            return first * middle * last;
        }

        /** The largest n for which the entropy is monotone: half the possible names. */
        long maxN() {
            return Math.min(200_000, names() / 2);
        }

        DatasetShape shape(long n) {
            return shape(n, DatasetShape.expectedDistinctDates(n));
        }

        DatasetShape shape(long n, long distinctDates) {
            Map<String, Long> values = new LinkedHashMap<>();
            for (String a : attributes) {
                values.put(a, switch (Attribute.of(a)) {
                    case BIRTH_DATE -> (long) BirthDates.COUNT;
                    case BIRTH_CITY -> city;
                    case UNIVERSITY -> university;
                    case EMPLOYER -> employer;
                });
            }
            return new DatasetShape(n, names(), distinctDates, values, relations, mode, twoHop);
        }

        Setup withPool(int which, long extra) {
            return new Setup(first + (which == 0 ? extra : 0), middle + (which == 1 ? extra : 0),
                    last + (which == 2 ? extra : 0), city + (which == 3 ? extra : 0), university + (which == 4 ? extra : 0),
                    employer + (which == 5 ? extra : 0), attributes, relations, mode, twoHop);
        }
    }

    @Provide
    Arbitrary<Setup> setups() {
        Arbitrary<Long> namePool = Arbitraries.longs().between(2, 3000);
        Arbitrary<Long> valuePool = Arbitraries.longs().between(1, 5000);
        Arbitrary<List<String>> attributes = Arbitraries.subsetOf(Attribute.NAMES)
                .map(s -> Attribute.NAMES.stream().filter(s::contains).toList());
        Arbitrary<List<String>> relations = Arbitraries.subsetOf(Relations.R17)
                .map(s -> Relations.R17.stream().filter(s::contains).toList());
        return Combinators.combine(namePool, namePool, namePool, valuePool, valuePool, valuePool, attributes,
                        Combinators.combine(relations, Arbitraries.of(RelationMode.class), Arbitraries.of(true, false))
                                .as((r, m, t) -> new Object[]{r, m, t}))
                .as((f, m, l, c, u, e, a, rest) -> {
                    @SuppressWarnings("unchecked") List<String> rel = (List<String>) rest[0];
                    return new Setup(f, m, l, c, u, e, a, rel, (RelationMode) rest[1], (Boolean) rest[2]);
                });
    }

    private static List<DatasetEntropy.Breakdown> everyScheme(DatasetShape s) {
        List<DatasetEntropy.Breakdown> out = new ArrayList<>();
        for (EncodingScheme e : EncodingScheme.values()) {
            for (SelectionScheme sel : SelectionScheme.values()) {
                out.add(DatasetEntropy.compute(s, e, sel));
            }
        }
        return out;
    }

    private static double tolerance(double x) {
        return 1e-9 * Math.max(1, Math.abs(x));
    }

    @Property(tries = 300)
    void entropyIsNonNegative(@ForAll("setups") Setup setup, @ForAll @LongRange(min = 1, max = 200_000) long n) {
        DatasetShape s = setup.shape(Math.max(1, Math.min(n, setup.names())));
        for (DatasetEntropy.Breakdown b : everyScheme(s)) {
            List<DatasetEntropy.Component> parts = new ArrayList<>(b.subjects());
            parts.addAll(List.of(b.nameSet(), b.birthDateSet(), b.twoHop()));
            for (DatasetEntropy.Component c : parts) {
                assertTrue(c.bits() >= -tolerance(b.totalBits()) && c.approximateBits() >= -tolerance(b.totalBits()),
                        c + " under " + b.scheme() + "/" + b.selection());
            }
            assertTrue(b.totalBits() >= 0 && b.approximateBits() >= 0);
        }
    }

    @Property(tries = 300)
    void monotoneInN(@ForAll("setups") Setup setup, @ForAll @LongRange(min = 2, max = 200_000) long a,
                     @ForAll @LongRange(min = 2, max = 200_000) long b) {
        long lo = Math.min(Math.min(a, b), setup.maxN());
        long hi = Math.min(Math.max(a, b), setup.maxN());
        List<DatasetEntropy.Breakdown> small = everyScheme(setup.shape(Math.max(1, lo)));
        List<DatasetEntropy.Breakdown> large = everyScheme(setup.shape(Math.max(1, hi)));
        for (int i = 0; i < small.size(); i++) {
            assertTrue(large.get(i).totalBits() >= small.get(i).totalBits() - tolerance(small.get(i).totalBits()),
                    "n " + lo + " → " + hi + " under " + small.get(i).scheme() + "/" + small.get(i).selection() + ": "
                            + small.get(i).totalBits() + " → " + large.get(i).totalBits());
        }
    }

    @Property(tries = 300)
    void monotoneInPoolSizes(@ForAll("setups") Setup setup, @ForAll @IntRange(min = 0, max = 5) int pool,
                             @ForAll @LongRange(min = 1, max = 5000) long extra,
                             @ForAll @LongRange(min = 1, max = 200_000) long n) {
        long m = Math.max(1, Math.min(n, setup.names()));
        List<DatasetEntropy.Breakdown> before = everyScheme(setup.shape(m));
        List<DatasetEntropy.Breakdown> after = everyScheme(setup.withPool(pool, extra).shape(m));
        for (int i = 0; i < before.size(); i++) {
            assertTrue(after.get(i).totalBits() >= before.get(i).totalBits() - tolerance(before.get(i).totalBits()));
        }
    }

    @Property(tries = 300)
    void enumerateCostsAtLeastTheExactOptimal(@ForAll("setups") Setup setup,
                                              @ForAll @LongRange(min = 1, max = 200_000) long n) {
        DatasetShape s = setup.shape(Math.max(1, Math.min(n, setup.names())));
        for (EncodingScheme e : EncodingScheme.values()) {
            DatasetEntropy.Breakdown opt = DatasetEntropy.compute(s, e, SelectionScheme.OPTIMAL);
            DatasetEntropy.Breakdown enu = DatasetEntropy.compute(s, e, SelectionScheme.ENUMERATE);
            assertTrue(enu.totalBits() >= opt.totalBits() - tolerance(opt.totalBits()));
            assertTrue(enu.nameSet().bits() >= opt.nameSet().bits() - tolerance(opt.nameSet().bits()));
        }
    }

    @Property(tries = 300)
    void oneHopIsAtMostTwoHopBigHash(@ForAll("setups") Setup setup, @ForAll @LongRange(min = 1, max = 200_000) long n) {
        DatasetShape s = setup.shape(Math.max(1, Math.min(n, setup.names())));
        for (SelectionScheme sel : SelectionScheme.values()) {
            assertTrue(DatasetEntropy.compute(s, EncodingScheme.OPTIMAL, sel).totalBits()
                    <= DatasetEntropy.compute(s, EncodingScheme.TWO_HOP_BIG_HASH, sel).totalBits());
        }
    }

    /** log2 of a positive BigInteger to double precision: its top 60 bits and the shift. */
    private static double log2(BigInteger x) {
        int shift = Math.max(0, x.bitLength() - 60);
        return shift + Math.log(x.shiftRight(shift).doubleValue()) / Math.log(2);
    }

    private static BigInteger binomial(int n, int k) {
        BigInteger c = BigInteger.ONE;
        for (int i = 1; i <= k; i++) {
            c = c.multiply(BigInteger.valueOf(n - k + i)).divide(BigInteger.valueOf(i));
        }
        return c;
    }

    @Property(tries = 200)
    void exactOptimalNameSetIsLog2BinomialAsBigIntegerComputesIt(@ForAll @IntRange(min = 1, max = 3000) int names,
                                                                 @ForAll @IntRange(min = 0, max = 3000) int k) {
        int n = Math.max(1, Math.min(k, names));
        double expected = log2(binomial(names, n));
        assertEquals(expected, Log2.binomial(names, n), 1e-9 * Math.max(1, expected));
        DatasetShape s = new DatasetShape(n, names, 1, Map.of(), List.of(), RelationMode.UNIFORM, false);
        DatasetEntropy.Breakdown b = DatasetEntropy.compute(s, EncodingScheme.OPTIMAL, SelectionScheme.OPTIMAL);
        assertEquals(expected, b.nameSet().bits(), 1e-9 * Math.max(1, expected));
        assertEquals(n * Log2.of(names) - n * Log2.of(n), b.nameSet().approximateBits(), 1e-9 * Math.max(1, expected));
    }

    @Property(tries = 300)
    void addingAnAttributeAddsExactlyNTimesItsEntropy(@ForAll("setups") Setup setup,
                                                      @ForAll @LongRange(min = 1, max = 200_000) long n) {
        long m = Math.max(1, Math.min(n, setup.names()));
        for (String added : List.of("birth_city", "university", "employer")) {
            if (setup.attributes().contains(added)) {
                continue;
            }
            List<String> more = Attribute.NAMES.stream().filter(a -> a.equals(added) || setup.attributes().contains(a))
                    .toList();
            Setup with = new Setup(setup.first(), setup.middle(), setup.last(), setup.city(), setup.university(),
                    setup.employer(), more, setup.relations(), setup.mode(), setup.twoHop());
            long values = with.shape(m).attributeValues().get(added);
            for (SelectionScheme sel : SelectionScheme.values()) {
                double before = DatasetEntropy.compute(setup.shape(m), EncodingScheme.OPTIMAL, sel).totalBits();
                double after = DatasetEntropy.compute(with.shape(m), EncodingScheme.OPTIMAL, sel).totalBits();
                assertEquals(m * Log2.of(values), after - before, 1e-9 * Math.max(1, after));
            }
        }
    }

    @Property(tries = 5)
    void relabellingTheValuesChangesNothing(@ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
        ProfilesTaskSpec spec = new ProfilesTaskSpec(201, List.of("r4"), RelationMode.BIPARTITE, null,
                null, null, 0.2, null, null);
        ProfilesData data = spec.build(seed);
        Profiles p = data.profiles();
        Random rng = new Random(seed);
        int[] order = permutation(p.n(), rng); // profiles in another order, every value mapped by a bijection
        int[] dates = permutation(BirthDates.COUNT, rng);
        int[] cities = permutation(data.pools().size(Pool.CITY), rng);
        int[] firsts = permutation(data.pools().size(Pool.FIRST), rng);
        int[] where = new int[p.n()];
        for (int i = 0; i < p.n(); i++) {
            where[order[i]] = i;
        }
        int n = p.n();
        int[] first = new int[n];
        int[] middle = new int[n];
        int[] last = new int[n];
        int[] birth = new int[n];
        int[] city = new int[n];
        int[] university = new int[n];
        int[] employer = new int[n];
        int[][] targets = new int[p.relations().size()][n];
        for (int i = 0; i < n; i++) {
            int src = order[i];
            first[i] = firsts[p.first()[src]];
            middle[i] = p.middle()[src];
            last[i] = p.last()[src];
            birth[i] = dates[p.birthDate()[src]];
            city[i] = cities[p.city()[src]];
            university[i] = p.university()[src];
            employer[i] = p.employer()[src];
            for (int r = 0; r < targets.length; r++) {
                int t = p.targets()[r][src];
                targets[r][i] = t < 0 ? -1 : where[t];
            }
        }
        Profiles relabelled = new Profiles(n, first, middle, last, birth, city, university, employer, p.relations(),
                targets);
        DatasetShape original = DatasetShape.of(data);
        DatasetShape other = DatasetShape.of(spec, data.pools(), n, relabelled.distinctBirthDates());
        assertEquals(original, other);
        for (EncodingScheme e : EncodingScheme.values()) {
            for (SelectionScheme sel : SelectionScheme.values()) {
                assertEquals(DatasetEntropy.compute(original, e, sel), DatasetEntropy.compute(other, e, sel));
            }
        }
    }

    private static int[] permutation(int n, Random rng) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        java.util.Collections.shuffle(l, rng);
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
