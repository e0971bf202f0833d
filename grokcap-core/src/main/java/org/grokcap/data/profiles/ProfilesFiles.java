package org.grokcap.data.profiles;

import org.grokcap.data.DatasetFiles;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.io.AtomicFiles;
import org.grokcap.io.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code grokcap generate} writes for the profiles task: {@code profiles.jsonl} (one profile per
 * line), {@code questions-<split>.jsonl} (each question as text with its answer, in sequence order) and
 * {@code dataset.json} (the task, seed, hash of the tokenized data, N, R, relation mode, every pool's
 * size and source, the entropy-relevant counts, sizes of the splits).
 */
public final class ProfilesFiles {
    public static final String PROFILES = "profiles.jsonl";

    private ProfilesFiles() {}

    public static Map<String, Object> write(ProfilesData data, long seed, Path dir) throws IOException {
        Profiles pr = data.profiles();
        ValuePools pools = data.pools();
        AtomicFiles.write(dir.resolve(PROFILES), os -> {
            Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8));
            for (int p = 0; p < pr.n(); p++) {
                w.write(Json.mapper().writeValueAsString(profile(data, p)));
                w.write('\n');
            }
            w.flush();
        });
        Map<String, Object> splits = new LinkedHashMap<>();
        for (Map.Entry<String, List<Question>> e : data.questions().entrySet()) {
            String split = e.getKey();
            AtomicFiles.write(dir.resolve("questions-" + split + ".jsonl"), os -> {
                Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8));
                for (Question q : e.getValue()) {
                    w.write(Json.mapper().writeValueAsString(question(data, q)));
                    w.write('\n');
                }
                w.flush();
            });
            long twoHop = e.getValue().stream().filter(q -> q.hops() == 2).count();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("sequences", data.dataset().split(split).size());
            s.put("questions", e.getValue().size());
            s.put("oneHop", e.getValue().size() - twoHop);
            s.put("twoHop", twoHop);
            splits.put(split, s);
        }
        TokenizedDataset ds = data.dataset();
        Map<String, Object> meta = DatasetFiles.metadata(data.spec(), seed, ds.hash());
        meta.putAll(summary(data));
        meta.put("contextLength", ds.contextLength());
        meta.put("vocabSize", ds.vocabSize());
        meta.put("splits", splits);
        DatasetFiles.writeMetadata(dir, meta);
        return meta;
    }

    /**
     * The facts dataset.json records about the profiles: N, R, the relation mode and relations, the
     * attributes, every pool's size and source, the number of distinct names the pools make, the birth
     * dates possible and distinct, relations left without a target. {@code capacity entropy} reads these.
     */
    public static Map<String, Object> summary(ProfilesData data) {
        Profiles pr = data.profiles();
        ValuePools pools = data.pools();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", pr.n());
        m.put("r", pr.relations().size());
        m.put("relationMode", data.spec().relationMode().json());
        m.put("relations", pr.relations());
        m.put("attributes", data.spec().attributes());
        Map<String, Object> sizes = new LinkedHashMap<>();
        for (Pool pool : Pool.values()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("size", pools.size(pool));
            one.put("source", pools.source(pool));
            sizes.put(pool.key(), one);
        }
        m.put("pools", sizes);
        m.put("possibleNames", pools.possibleNames());
        m.put("possibleBirthDates", BirthDates.COUNT);
        m.put("distinctBirthDates", pr.distinctBirthDates());
        m.put("missingRelations", pr.missingRelations());
        m.put("twoHopFraction", data.spec().twoHopFraction());
        return m;
    }

    private static Map<String, Object> profile(ProfilesData data, int p) {
        Profiles pr = data.profiles();
        ValuePools pools = data.pools();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("index", p);
        row.put("name", pr.name(pools, p));
        row.put("first", pools.values(Pool.FIRST).get(pr.first()[p]));
        row.put("middle", pools.values(Pool.MIDDLE).get(pr.middle()[p]));
        row.put("last", pools.values(Pool.LAST).get(pr.last()[p]));
        for (Attribute a : data.attributes()) {
            row.put(a.key(), switch (a) {
                case BIRTH_DATE -> BirthDates.iso(pr.birthDate()[p]);
                case BIRTH_CITY -> pools.values(Pool.CITY).get(pr.city()[p]);
                case UNIVERSITY -> pools.values(Pool.UNIVERSITY).get(pr.university()[p]);
                case EMPLOYER -> pools.values(Pool.EMPLOYER).get(pr.employer()[p]);
            });
        }
        for (int r = 0; r < pr.relations().size(); r++) {
            int t = pr.targets()[r][p];
            Map<String, Object> target = null;
            if (t >= 0) {
                target = new LinkedHashMap<>();
                target.put("index", t);
                target.put("name", pr.name(pools, t));
            }
            row.put(pr.relations().get(r), target);
        }
        return row;
    }

    private static Map<String, Object> question(ProfilesData data, Question q) {
        Profiles pr = data.profiles();
        String subject = data.subjects().get(q.subject());
        String name = pr.name(data.pools(), q.person());
        String relation = q.relation() < 0 ? null : pr.relations().get(q.relation());
        int answered = q.relation() < 0 ? q.person() : pr.targets()[q.relation()][q.person()];
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("question", "What was " + name + "'s " + (relation == null ? "" : relation + "'s ") + subject + "?");
        row.put("answer", answerText(data, answered, q.subject()));
        row.put("hops", q.hops());
        row.put("subject", subject);
        row.put("person", q.person());
        row.put("relation", relation);
        row.put("bridge", q.relation() < 0 ? null : answered);
        return row;
    }

    /** The answer as its tokens joined by spaces: "March 21 1957", a city, or a person's name. */
    private static String answerText(ProfilesData data, int p, int s) {
        Profiles pr = data.profiles();
        ValuePools pools = data.pools();
        if (data.isRelation(s)) {
            return pr.name(pools, pr.targets()[s - data.attributes().size()][p]);
        }
        return switch (data.attributes().get(s)) {
            case BIRTH_DATE -> {
                int d = pr.birthDate()[p];
                yield BirthDates.MONTH_NAMES.get(BirthDates.month(d) - 1) + " " + BirthDates.day(d) + " "
                        + BirthDates.year(d);
            }
            case BIRTH_CITY -> pools.values(Pool.CITY).get(pr.city()[p]);
            case UNIVERSITY -> pools.values(Pool.UNIVERSITY).get(pr.university()[p]);
            case EMPLOYER -> pools.values(Pool.EMPLOYER).get(pr.employer()[p]);
        };
    }
}
