package org.grokcap.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.grokcap.train.ExperimentSpec;

import java.util.Map;

/**
 * One resolved point of a sweep.
 *
 * @param id      stable run id, derived from the variant and the varied values only (see {@link Sweep})
 * @param variant the name of the sweep's variant this run belongs to, or null for a sweep without variants
 * @param values  the varied config fields (dotted paths) and their values, in the sweep file's order (the
 *                variant's own fields are not among them: see {@link Sweep#variants()})
 * @param config  the config as written: the base with the values set, before sizes are resolved
 * @param spec    that config, validated
 */
public record SweepRun(String id, String variant, Map<String, JsonNode> values, ObjectNode config, ExperimentSpec spec) {
}
