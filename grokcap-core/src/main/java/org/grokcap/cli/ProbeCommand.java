package org.grokcap.cli;

import org.grokcap.analysis.BridgeProbes;
import org.grokcap.io.Json;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code grokcap probe RUN_DIR [--backend B]}: linear probes for the bridge entity of a profiles run's
 * 2-hop questions ({@link BridgeProbes}); prints the table, then the result as one JSON line.
 */
final class ProbeCommand {
    private ProbeCommand() {}

    static int run(Args a, PrintStream out) throws Exception {
        a.allowFor("probe");
        Path runDir = Path.of(a.positional(0, "RUN_DIR"));
        a.noMorePositionals(1);
        Map<String, Object> r = BridgeProbes.probe(runDir, a.value("--backend"));
        out.printf("bridge-entity probes: %s questions, %s classes; unigram baseline %.3f bits; model's own answer loss %.3f bits%n",
                r.get("questions"), r.get("classes"), (double) r.get("unigramBits"), (double) r.get("modelAnswerBits"));
        out.printf("%-6s %-10s %12s %10s %10s%n", "depth", "position", "test bits", "accuracy", "lambda");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> table = (List<Map<String, Object>>) r.get("table");
        for (Map<String, Object> row : table) {
            out.printf("%-6s %-10s %12.3f %9.1f%% %10.0e%n", row.get("depth"), row.get("position"),
                    (double) row.get("testBits"), 100 * (double) row.get("testAccuracy"), (double) row.get("lambda"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> control = (Map<String, Object>) r.get("control");
        out.printf("control (%s): %.3f bits, %.1f%% (unigram %.3f bits)%n", control.get("what"),
                (double) control.get("testBits"), 100 * (double) control.get("testAccuracy"),
                (double) control.get("unigramBits"));
        out.println(Json.mapper().writeValueAsString(r));
        return 0;
    }
}
