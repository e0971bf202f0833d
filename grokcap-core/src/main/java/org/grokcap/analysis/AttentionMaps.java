package org.grokcap.analysis;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.grokcap.backend.Buf;
import org.grokcap.io.Charts;
import org.grokcap.model.Transformer;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The attention probabilities of every layer and head for one input sequence, from the model's own
 * forward pass.
 *
 * @param tokens        the input's tokens, by name
 * @param probabilities [layer][head][query position][key position]; keys after the query are 0
 */
@JsonPropertyOrder({"tokens", "probabilities"})
public record AttentionMaps(List<String> tokens, double[][][][] probabilities) {

    /** Runs the model on one sequence of T tokens (the model must take batches of at least one). */
    public static AttentionMaps of(Transformer model, int[] tokens, List<String> vocabulary) {
        int T = model.config().contextLength();
        int H = model.config().heads();
        int L = model.config().layers();
        if (tokens.length != T) {
            throw new IllegalArgumentException("the model reads " + T + " tokens, got " + tokens.length);
        }
        // A target at every position makes the last layer attend from every position, not only the answer's.
        model.setBatch(tokens, new int[T], 0, 1);
        model.forward();
        double[][][][] p = new double[L][H][T][T];
        for (int l = 0; l < L; l++) {
            Buf att = model.attentionProbabilities(l); // (T, H, T) for this one sequence
            for (int q = 0; q < T; q++) {
                for (int h = 0; h < H; h++) {
                    for (int k = 0; k < T; k++) {
                        p[l][h][q][k] = att.host()[att.offset() + (q * H + h) * T + k];
                    }
                }
            }
        }
        List<String> names = Arrays.stream(tokens).mapToObj(vocabulary::get).toList();
        return new AttentionMaps(names, p);
    }

    /** Writes one heatmap per layer and head, dir/attention-L{l}-H{h}.{png,svg}; returns the names written. */
    public List<String> writeHeatmaps(Path dir) throws IOException {
        List<String> positions = new ArrayList<>(); // "position:token", unique even when a token repeats
        for (int t = 0; t < tokens.size(); t++) {
            positions.add(t + ":" + tokens.get(t));
        }
        List<String> reversed = new ArrayList<>(positions);
        Collections.reverse(reversed);
        List<String> written = new ArrayList<>();
        for (int l = 0; l < probabilities.length; l++) {
            for (int h = 0; h < probabilities[l].length; h++) {
                // wide enough that XChart writes every position's label
                HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(Charts.WIDTH, 300 + 100 * tokens.size()))
                        .height(Math.max(Charts.HEIGHT, 200 + 80 * tokens.size()))
                        .title("attention, layer " + l + ", head " + h).xAxisTitle("key").yAxisTitle("query").build();
                chart.getStyler().setMin(0).setMax(1).setShowValue(tokens.size() <= 12)
                        .setHeatMapValueDecimalPattern("0.00")
                        .setRangeColors(new Color[] {Color.WHITE, new Color(0x1f77b4), new Color(0x08306b)});
                chart.getStyler().setPlotContentSize(1.0);
                List<Number[]> cells = new ArrayList<>();
                int T = tokens.size();
                for (int q = 0; q < T; q++) {
                    for (int k = 0; k < T; k++) {
                        // row 0 at the top: the query axis runs downwards as in a matrix
                        cells.add(new Number[] {k, T - 1 - q, probabilities[l][h][q][k]});
                    }
                }
                chart.addSeries("p", positions, reversed, cells);
                String name = "attention-L" + l + "-H" + h;
                Charts.writeChart(dir, name, chart);
                written.add(name);
            }
        }
        return written;
    }
}
