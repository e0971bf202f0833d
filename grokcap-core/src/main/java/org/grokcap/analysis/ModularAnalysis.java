package org.grokcap.analysis;

import org.grokcap.util.BadInputException;
import org.grokcap.backend.Buf;
import org.grokcap.data.TaskSpec;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.data.modular.ModularTaskSpec;
import org.grokcap.data.modular.Operation;
import org.grokcap.model.ParamNames;
import org.grokcap.model.Transformer;

/**
 * Computes {@link ProgressMeasures} of a model trained on a modular-arithmetic task whose operation
 * is defined on all p² pairs: runs the model's own forward pass over every pair of the dataset and
 * reads the logits and the last layer's MLP activations at the answer position.
 *
 * <p>The key frequencies are those of the model being measured (at each checkpoint, its own); Nanda
 * et al. used the final model's for every checkpoint.
 */
public final class ModularAnalysis {
    private final ModularTaskSpec task;
    private final TokenizedDataset data;
    private final FourierBasis basis;
    private final int p;
    private final int[] labels;       // (p²) the answer of pair a·p+b
    private final boolean[] train;    // (p²) whether pair a·p+b is in the training split
    private final boolean[] test;     // (p²) !train

    private ModularAnalysis(ModularTaskSpec task, TokenizedDataset data) {
        this.task = task;
        this.data = data;
        this.p = task.p();
        this.basis = new FourierBasis(p);
        this.labels = new int[p * p];
        this.train = new boolean[p * p];
        this.test = new boolean[p * p];
        boolean[] seen = new boolean[p * p];
        int T = data.contextLength();
        for (Split s : data.splits().values()) {
            boolean isTrain = s.name().equals(data.trainSplit());
            for (int i = 0; i < s.size(); i++) {
                int pair = pairOf(s, i, T);
                seen[pair] = true;
                labels[pair] = s.targets()[i * T + T - 1];
                train[pair] = isTrain;
                test[pair] = !isTrain;
            }
        }
        for (int i = 0; i < seen.length; i++) {
            if (!seen[i]) {
                throw new IllegalArgumentException("the dataset lacks the pair (" + i / p + ", " + i % p + ")");
            }
        }
    }

    /** Why the progress measures cannot be computed for this task, or null when they can. */
    public static String unsupportedReason(TaskSpec task) {
        if (!(task instanceof ModularTaskSpec m)) {
            return "progress measures need a modular-arithmetic task";
        }
        for (int a = 0; a < m.p(); a++) {
            for (int b = 0; b < m.p(); b++) {
                if (!m.operation().defined(a, b)) {
                    return "progress measures need an operation defined on all p² pairs; \"" + m.operation().symbol()
                            + "\" is not";
                }
            }
        }
        return null;
    }

    /** The analysis of this task's data; bad input when the task is not supported. */
    public static ModularAnalysis of(TaskSpec task, TokenizedDataset data) {
        String why = unsupportedReason(task);
        if (why != null) {
            throw new BadInputException(why);
        }
        return new ModularAnalysis((ModularTaskSpec) task, data);
    }

    /** Pair index a·p+b of sequence i of a split: a is its first token, b the one before '='. */
    private int pairOf(Split s, int i, int T) {
        int a = s.tokens()[i * T];
        int b = s.tokens()[i * T + T - 2];
        return a * p + b;
    }

    /** The model's logits (p², V) and last-layer MLP activations (p², M) on every pair, rows a·p+b. */
    public record Outputs(double[][] logits, double[][] activations) {}

    /** Runs the model over every pair of the dataset, in chunks of its largest batch. */
    public Outputs run(Transformer model) {
        int T = data.contextLength();
        int V = model.config().resolvedOutputVocab();
        int M = model.config().dMlp();
        int last = model.config().layers() - 1;
        double[][] logits = new double[p * p][];
        double[][] acts = new double[p * p][];
        for (Split s : data.splits().values()) {
            for (int from = 0; from < s.size(); from += model.maxBatch()) {
                int b = Math.min(model.maxBatch(), s.size() - from);
                model.setBatch(s.tokens(), s.targets(), from, b);
                model.forward();
                if (model.targetCount() != b) {
                    throw new IllegalStateException("expected one answer per sequence, got " + model.targetCount()
                            + " for " + b);
                }
                var lg = model.logits();
                var ac = model.mlpActivations(last);
                for (int i = 0; i < b; i++) {
                    int pair = pairOf(s, from + i, T);
                    logits[pair] = toDouble(lg.host(), lg.offset() + i * V, V);
                    acts[pair] = toDouble(ac.host(), ac.offset() + i * M, M);
                }
            }
        }
        return new Outputs(logits, acts);
    }

    /** Every measure of the model's current parameters. */
    public ProgressMeasures measure(Transformer model, int step) {
        model.device().toHost(model.params());
        Outputs out = run(model);
        NeuronFrequencies nf = NeuronFrequencies.of(basis, out.activations());
        Double restricted = null;
        Double excluded = null;
        if (task.operation() == Operation.ADD) {
            int[] keys = nf.keys();
            restricted = FourierLosses.crossEntropy(FourierLosses.restricted(basis, out.logits(), keys), labels, null);
            excluded = FourierLosses.crossEntropy(FourierLosses.excluded(basis, out.logits(), keys), labels, train);
        }
        double[] embedNorms = basis.frequencyNorms(rows(model.param(ParamNames.WTE), p, model.config().dModel()));
        double giniNeuronLogit = Double.NaN;
        if (model.config().resolvedOutputVocab() == p) {
            giniNeuronLogit = Gini.of(tail(basis.frequencyNorms(neuronLogitMap(model))));
        }
        float[] params = model.params().host();
        int base = model.params().offset();
        double ssw = 0;
        for (int i = 0; i < model.params().size(); i++) {
            double w = params[base + i];
            ssw += w * w;
        }
        return new ProgressMeasures(step,
                FourierLosses.crossEntropy(out.logits(), labels, train), accuracy(out.logits(), train),
                FourierLosses.crossEntropy(out.logits(), labels, test), accuracy(out.logits(), test),
                restricted, excluded, nf.keyFrequencies(), nf.keyFraction(),
                Gini.of(tail(embedNorms)), giniNeuronLogit, ssw, embedNorms);
    }

    /** W_L = W_U · W_out of the last layer, (V, M): how much each neuron writes to each output class. */
    private static double[][] neuronLogitMap(Transformer model) {
        int C = model.config().dModel();
        int M = model.config().dMlp();
        int V = model.config().resolvedOutputVocab();
        double[][] wu = rows(model.param(ParamNames.UNEMBED_WEIGHT), V, C);
        double[][] wout = rows(model.param(ParamNames.mlpProjWeight(model.config().layers() - 1)), C, M);
        double[][] out = new double[V][M];
        for (int v = 0; v < V; v++) {
            for (int c = 0; c < C; c++) {
                double u = wu[v][c];
                double[] o = out[v];
                double[] wc = wout[c];
                for (int m = 0; m < M; m++) {
                    o[m] += u * wc[m];
                }
            }
        }
        return out;
    }

    private double accuracy(double[][] logits, boolean[] include) {
        int hits = 0;
        int n = 0;
        for (int i = 0; i < logits.length; i++) {
            if (!include[i]) {
                continue;
            }
            n++;
            if (argmax(logits[i]) == labels[i]) {
                hits++;
            }
        }
        return n == 0 ? Double.NaN : (double) hits / n;
    }

    static int argmax(double[] z) {
        int best = 0;
        for (int i = 1; i < z.length; i++) {
            if (z[i] > z[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The first rows × cols floats of a row-major tensor, as doubles. */
    private static double[][] rows(Buf tensor, int rows, int cols) {
        double[][] m = new double[rows][];
        for (int r = 0; r < rows; r++) {
            m[r] = toDouble(tensor.host(), tensor.offset() + r * cols, cols);
        }
        return m;
    }

    static double[] toDouble(float[] src, int offset, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = src[offset + i];
        }
        return d;
    }

    /** The norms of frequencies 1.. (entry 0, the constant, left out). */
    private static double[] tail(double[] norms) {
        return java.util.Arrays.copyOfRange(norms, 1, norms.length);
    }
}
