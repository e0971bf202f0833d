// The chart of docs/reasoning.md's "grokking delay against φ": per φ of a composition sweep (runs
// grouped by task.phi), the step at which the training facts were fitted and the step at which
// test_inferred_id got there, both read from the comparisons that
//   ./grokcap sweep report SWEEP_DIR --split train_atomic   (and train_inferred, test_inferred_id)
// wrote (comparison-SPLIT.json: the first evaluated step at or above 50/90/99 %). "Fitted" is the later
// of train_atomic and train_inferred. Run from the repository root after building grokcap-core:
//   SWEEP_DIR=runs/composition-delay OUT=docs LEVELS=0.5,0.9 jshell --class-path "$(ls grokcap-core/target/grokcap-core-*.jar \
//     | head -1):$(ls grokcap-core/target/lib/*.jar | tr '\n' ':')" scripts/reasoning_delay_chart.jsh
// Writes OUT/reasoning-composition-delay.png and .svg, with a line at the last step logged (a φ whose
// point is missing did not get there by then), and prints the table. Not part of the build.
import com.fasterxml.jackson.databind.JsonNode;
import org.grokcap.io.Charts;
import org.grokcap.io.Json;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import java.nio.file.Path;
import java.util.TreeMap;

// (jshell ends a statement at a line end where it can: continued lines end in an operator or a comma)
Path sweep = Path.of(System.getenv("SWEEP_DIR"));
Path out = Path.of(System.getenv().getOrDefault("OUT", "docs"));
double[] levels = java.util.Arrays.stream(System.getenv().getOrDefault("LEVELS", "0.5,0.9").split(",")).
        mapToDouble(Double::parseDouble).toArray();
double lastStep = 0; // the last step any run logged, and its φ range: for the "last step logged" line
java.util.TreeSet<Double> phis = new java.util.TreeSet<>();

/** φ → the median step at which split's accuracy first reached level; φ missing where it never did. */
TreeMap<Double, Double> reach(String split, double level) throws Exception {
    JsonNode c = Json.mapper().readTree(sweep.resolve("comparison-" + split + ".json").toFile());
    TreeMap<Double, Double> steps = new TreeMap<>();
    for (JsonNode m : c.get("methods")) {
        double phi = Double.parseDouble(m.get("name").asText().replace("phi=", ""));
        lastStep = Math.max(lastStep, m.at("/lastEpoch/max").asDouble());
        phis.add(phi);
        for (JsonNode r : m.get("reach")) {
            if (Math.abs(r.get("accuracy").asDouble() - level) < 1e-9 && !r.get("median").isNull()) {
                steps.put(phi, r.get("median").asDouble());
            }
        }
    }
    return steps;
}

double[] xs(TreeMap<Double, Double> m) { return m.keySet().stream().mapToDouble(Double::doubleValue).toArray(); }
double[] ys(TreeMap<Double, Double> m) { return m.values().stream().mapToDouble(Double::doubleValue).toArray(); }

XYChart chart = new XYChartBuilder().width(Charts.WIDTH).height(Charts.HEIGHT).
        title("Composition, 100 entities: first step at an accuracy, against φ").
        xAxisTitle("φ (inferred / atomic training facts)").yAxisTitle("step (log)").build();
chart.getStyler().setYAxisLogarithmic(true);
for (double level : levels) {
    TreeMap<Double, Double> atomic = reach("train_atomic", level);
    TreeMap<Double, Double> inferred = reach("train_inferred", level);
    TreeMap<Double, Double> test = reach("test_inferred_id", level);
    TreeMap<Double, Double> fitted = new TreeMap<>();
    atomic.forEach((phi, s) -> { if (inferred.containsKey(phi)) fitted.put(phi, Math.max(s, inferred.get(phi))); });
    String percent = Math.round(level * 100) + " %";
    java.awt.Color color = chart.getStyler().getSeriesColors()[java.util.Arrays.binarySearch(levels, level)];
    var fit = chart.addSeries("training facts at " + percent + " (later of train_atomic, train_inferred)", xs(fitted), ys(fitted));
    fit.setMarker(SeriesMarkers.CIRCLE);
    fit.setLineColor(color);
    fit.setMarkerColor(color);
    var held = chart.addSeries("test_inferred_id at " + percent, xs(test), ys(test));
    held.setMarker(SeriesMarkers.DIAMOND);
    held.setLineColor(color);
    held.setMarkerColor(color);
    held.setLineStyle(org.knowm.xchart.style.lines.SeriesLines.DASH_DASH);
    System.out.println("phi  fitted  test_inferred_id  ratio (at " + percent + ")");
    for (double phi : fitted.descendingKeySet()) {
        Double t = test.get(phi);
        System.out.println(phi + "  " + fitted.get(phi) + "  " + (t == null ? "not reached" : t + "  " + t / fitted.get(phi)));
    }
}
double[] ends = {phis.first(), phis.last()};
var last = chart.addSeries("last step logged", ends, new double[]{lastStep, lastStep});
last.setMarker(SeriesMarkers.NONE);
last.setLineColor(java.awt.Color.GRAY);
Charts.writeChart(out, "reasoning-composition-delay", chart);
/exit
