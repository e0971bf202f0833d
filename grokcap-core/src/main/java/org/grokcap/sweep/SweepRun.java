package org.grokcap.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.grokcap.train.ExperimentSpec;

import java.util.Map;

/**
 * One resolved point of a sweep.
 *
 * @param id     stable run id, derived from the varied values only (see {@link Sweep})
 * @param values the varied config fields (dotted paths) and their values, in the sweep file's order
 * @param config the config as written: the base with the values set, before sizes are resolved
 * @param spec   that config, validated
 */
public record SweepRun(String id, Map<String, JsonNode> values, ObjectNode config, ExperimentSpec spec) {
}
