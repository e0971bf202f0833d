package org.grokcap.data.profiles;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonTypeName;
import org.grokcap.config.Check;
import org.grokcap.config.ConfigException;
import org.grokcap.data.TaskSpec;
import org.grokcap.data.TokenizedDataset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Synthetic biographies and questions about them (docs/science.md §3; config type "profiles").
 *
 * @param n                    how many profiles, 2..50,000,000 (at most the number of distinct names the pools make)
 * @param relations            "r4", "r17", or a list of relation names (and/or "r4"/"r17"); default r4; may be empty
 * @param relationMode         "uniform" (default) or "bipartite"
 * @param attributes           subset of birth_date, birth_city, university, employer; default all four
 * @param pools                pool sizes (default bioS sizes, or a whole user file)
 * @param poolFiles            the user's own value lists, one per line, relative to the config file
 * @param twoHopFraction       fraction of training questions that are 2-hop, in [0, 1); default 0
 * @param questionsPerSequence QAs packed into each sequence, separated by &lt;eos&gt;, 1..256; default 4
 * @param heldOut              the 2-hop held-out sets; default none
 */
@JsonTypeName("profiles")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"n", "relations", "relationMode", "attributes", "pools", "poolFiles", "twoHopFraction",
        "questionsPerSequence", "heldOut"})
public record ProfilesTaskSpec(Integer n,
                               @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> relations,
                               RelationMode relationMode,
                               @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> attributes,
                               PoolSizes pools, PoolFiles poolFiles, Double twoHopFraction, Integer questionsPerSequence,
                               HeldOut heldOut) implements TaskSpec {

    public ProfilesTaskSpec {
        n = Check.between("n", Check.present("n", n), 2, 50_000_000);
        relations = expandRelations(relations == null ? List.of("r4") : relations);
        relationMode = relationMode == null ? RelationMode.UNIFORM : relationMode;
        attributes = canonicalAttributes(attributes == null ? Attribute.NAMES : attributes);
        pools = pools == null ? PoolSizes.defaults() : pools;
        poolFiles = poolFiles == null ? PoolFiles.none() : poolFiles;
        twoHopFraction = Check.halfOpen("twoHopFraction", twoHopFraction == null ? 0.0 : twoHopFraction, 0.0, 1.0);
        questionsPerSequence = Check.between("questionsPerSequence", questionsPerSequence == null ? 4
                : questionsPerSequence, 1, 256);
        heldOut = heldOut == null ? HeldOut.none() : heldOut;
        if (twoHopFraction > 0 && relations.isEmpty()) {
            throw new ConfigException("twoHopFraction", twoHopFraction, "2-hop questions need at least one relation");
        }
        if (attributes.isEmpty() && relations.isEmpty()) {
            throw new ConfigException("attributes", attributes, "with no relations, name at least one attribute");
        }
        for (String r : heldOut.relations()) {
            if (!relations.contains(r)) {
                throw new ConfigException("heldOut.relations", r, "is not one of this task's relations " + relations);
            }
        }
        List<String> subjects = QaTokens.subjects(attributes.stream().map(Attribute::of).toList(), relations);
        for (String a : heldOut.secondAttributes()) {
            if (!subjects.contains(a)) {
                throw new ConfigException("heldOut.secondAttributes", a, "is not one of this task's subjects " + subjects);
            }
        }
    }

    /** The profiles task with every knob at its default and n profiles. */
    public static ProfilesTaskSpec of(int n) {
        return new ProfilesTaskSpec(n, null, null, null, null, null, null, null, null);
    }

    private static List<String> expandRelations(List<String> given) {
        Set<String> out = new LinkedHashSet<>();
        for (String r : given) {
            if ("r4".equals(r)) {
                out.addAll(Relations.R4);
            } else if ("r17".equals(r)) {
                out.addAll(Relations.R17);
            } else if (r != null && Relations.known(r)) {
                out.add(r);
            } else {
                throw new ConfigException("relations", r, "unknown relation; use r4, r17 or names from " + Relations.R17);
            }
        }
        List<String> sorted = new ArrayList<>(out);
        sorted.sort(Comparator.comparingInt(Relations.R17::indexOf));
        return List.copyOf(sorted);
    }

    private static List<String> canonicalAttributes(List<String> given) {
        Set<String> out = new LinkedHashSet<>();
        for (String a : given) {
            if (a == null || !Attribute.NAMES.contains(a)) {
                throw new ConfigException("attributes", a, "unknown attribute; use names from " + Attribute.NAMES);
            }
            out.add(a);
        }
        List<String> sorted = new ArrayList<>(out);
        sorted.sort(Comparator.comparingInt(Attribute.NAMES::indexOf));
        return List.copyOf(sorted);
    }

    /** The attributes as enum values, in canonical order. */
    public List<Attribute> attributeList() {
        return attributes.stream().map(Attribute::of).toList();
    }

    /** Attribute names, then relation names: what subject index s means. */
    public List<String> subjects() {
        return QaTokens.subjects(attributeList(), relations);
    }

    /** Reads the pools this spec names (bundled or the user's files). */
    public ValuePools loadPools() {
        return ValuePools.load(pools, poolFiles, QaTokens.reserved(subjects()));
    }

    /** Profiles, questions, tokens and answer spans for this seed. */
    public ProfilesData build(long seed) {
        return ProfilesBuilder.build(this, seed);
    }

    @Override
    public TokenizedDataset generate(long seed) {
        return build(seed).dataset();
    }

    @Override
    public Map<String, Object> writeGenerated(long seed, Path dir) throws IOException {
        return ProfilesFiles.write(build(seed), seed, dir);
    }

    @Override
    public TaskSpec relativeTo(Path configDir) {
        return new ProfilesTaskSpec(n, relations, relationMode, attributes, pools, poolFiles.relativeTo(configDir),
                twoHopFraction, questionsPerSequence, heldOut);
    }
}
