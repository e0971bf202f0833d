package org.grokcap.train;

import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.grokcap.backend.Device;
import org.grokcap.backend.LossTotals;
import org.grokcap.train.ExperimentSpec;
import org.grokcap.config.TrainConfig;
import org.grokcap.data.Split;
import org.grokcap.data.TokenizedDataset;
import org.grokcap.io.MetricsRow;
import org.grokcap.kernels.CrossEntropy;
import org.grokcap.model.Init;
import org.grokcap.model.ModelConfig;
import org.grokcap.model.ParamLayout;
import org.grokcap.model.Transformer;
import org.grokcap.util.Rngs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop: one optimizer update per step (a full-batch step is one epoch), and at every
 * evaluation step one metrics row with {@code step}, {@code <split>_loss} and {@code <split>_accuracy}
 * for every split of the dataset. The loss is the mean over target positions; the accuracy is exact
 * match per sequence (every target position right), which for tasks with one target per sequence is
 * the per-position accuracy and for multi-token answers is whole-answer exact match.
 *
 * <p>The training split's loss is the training objective (label smoothing included); the other
 * splits' losses are the plain −log p(target), so held-out curves do not move with the smoothing.
 * The row also has {@code <train>_collapse}: the fraction of the training split's target positions
 * whose loss term is exactly 0 in single precision ({@link Transformer#collapsedTargets}).
 *
 * <p>Row {@code step = s} describes the parameters after s updates, as the reference notebook does:
 * the training forward pass of step s gives the training metrics (in full-batch mode; otherwise the
 * training split is evaluated like the others), the other splits are evaluated, and only then is
 * update s+1 applied.
 *
 * <p>With a learning-rate decay the row also has {@code lr}: the rate of the update that follows it.
 *
 * <p>With {@code train.evalLayerRepeats} set to another count than the model's layerRepeats, every
 * split, the training split included, is evaluated with the layer stack run that many times (the
 * same weights); training runs it layerRepeats times as before, so the updates do not change.
 */
public final class Trainer {

    /** Receives each metrics row as soon as it exists. */
    public interface Listener {
        void onMetrics(Map<String, Double> row, int totalSteps);

        /**
         * Called after each update, once its metrics row (if any) went to {@link #onMetrics}: the
         * moment to save a checkpoint. updates counts the updates applied so far.
         */
        default void afterUpdate(int updates, int totalSteps) {}

        /** Asked after each update (after {@link #afterUpdate}): true ends the run there, before its last step. */
        default boolean stopNow() {
            return false;
        }
    }

    private final TrainConfig train;
    private final TokenizedDataset data;
    private final Transformer model;
    private final AdamWOptimizer optimizer;
    private final Split trainSplit;
    private final boolean fullBatch;
    private final int trainRepeats;
    private final int evalRepeats;
    private final int batchSize;
    private final int[] batchTokens;
    private final int[] batchTargets;
    private final int[] order;
    private final RestorableUniformRandomProvider batchRng;
    private int cursor;

    /** Builds the model for this data, initialised from the spec's seed. */
    public Trainer(ExperimentSpec spec, TokenizedDataset data, Device device) {
        this.train = spec.train();
        this.data = data;
        ModelConfig cfg = spec.model().withData(data.vocabSize(), data.outputVocabSize(), data.contextLength());
        this.trainSplit = data.split(data.trainSplit());
        int n = trainSplit.size();
        this.fullBatch = train.batchSize() == 0 || train.batchSize() >= n;
        this.batchSize = fullBatch ? n : train.batchSize();
        this.trainRepeats = cfg.layerRepeats();
        this.evalRepeats = evalLayerRepeats(train, cfg);
        this.model = new Transformer(device, cfg, maxBatch(train, data), Math.max(trainRepeats, evalRepeats));
        model.setLoss(new CrossEntropy.Loss(train.loss().equals("stablemax"), train.labelSmoothing(),
                train.lossFloat64()));
        Init.initialize(model.params().host(), model.layout(), cfg, Rngs.stream(train.seed(), "init"));
        device.toDevice(model.params());
        this.optimizer = new AdamWOptimizer(device, train.optimizer(), train.gradFilter(), model.layout(),
                model.params(), model.grads(), train.steps());
        int T = data.contextLength();
        this.batchTokens = fullBatch ? null : new int[batchSize * T];
        this.batchTargets = fullBatch ? null : new int[batchSize * T];
        this.order = fullBatch ? null : identity(n);
        this.batchRng = Rngs.stream(train.seed(), "batches");
        this.cursor = n; // forces a shuffle before the first minibatch
    }

    /**
     * The largest batch the model is built for: the training batch (the whole training split in
     * full-batch mode) or the evaluation batch, whichever is larger. Its activations are allocated once.
     */
    public static int maxBatch(TrainConfig train, TokenizedDataset data) {
        int n = data.split(data.trainSplit()).size();
        int batch = train.batchSize() == 0 || train.batchSize() >= n ? n : train.batchSize();
        int evalBatch = train.evalBatchSize() != null ? train.evalBatchSize() : batch;
        return Math.max(batch, evalBatch);
    }

    /** How many times evaluation runs the model's layer stack: train.evalLayerRepeats, else the model's layerRepeats. */
    public static int evalLayerRepeats(TrainConfig train, ModelConfig model) {
        return train.evalLayerRepeats() != null ? train.evalLayerRepeats() : model.layerRepeats();
    }

    /**
     * The model config whose activations training allocates: the model with its layer stack run as
     * many times as the larger of training and evaluation runs it (what heap checks must count).
     */
    public static ModelConfig allocatedModel(TrainConfig train, ModelConfig model) {
        return model.withLayerRepeats(Math.max(model.layerRepeats(), evalLayerRepeats(train, model)));
    }

    public Transformer model() {
        return model;
    }

    public AdamWOptimizer optimizer() {
        return optimizer;
    }

    /**
     * Runs the steps of the config that are still to do (all of them, unless a checkpoint was restored);
     * returns the last metrics row of this call, or null if it made none.
     */
    public Map<String, Double> run(Listener listener) {
        int steps = train.steps();
        Map<String, Double> last = null;
        for (int step = optimizer.stepCount(); step < steps; step++) {
            loadTrainingBatch();
            model.forward();
            LossTotals trainTotals = model.totals();
            boolean evalNow = train.evaluatesAt(step);
            int targets = model.targetCount();
            int sequences = model.sequenceCount();
            double trainCollapse = evalNow && fullBatch && evalRepeats == trainRepeats
                    ? (double) model.collapsedTargets() / targets : Double.NaN;
            if (evalNow) { // checked before evaluation replaces the activations the diagnosis reads
                requireFiniteLoss(step, trainTotals, targets);
            }
            model.backward();
            if (evalNow) {
                double trainLoss = trainTotals.lossSum() / targets;
                double trainAccuracy = (double) trainTotals.sequenceHits() / sequences;
                last = evaluate(step, fullBatch ? trainLoss : Double.NaN, trainAccuracy, trainCollapse);
            }
            // Recorded, not yet run, on a recording device: AdamW itself skips a step whose loss is not
            // finite, so reading the loss after it (one execution for the whole step) still finds the
            // parameters the step started from.
            optimizer.step(trainTotals);
            if (!evalNow) { // an evaluation step checked it before evaluating
                requireFiniteLoss(step, trainTotals, targets);
            }
            if (evalNow) {
                listener.onMetrics(last, steps);
            }
            listener.afterUpdate(step + 1, steps);
            if (listener.stopNow()) {
                break;
            }
        }
        return last;
    }

    /**
     * Throws {@link TrainingDivergedException} when the training loss of this step's forward pass is not
     * finite, naming what made it so. The forward pass runs again first (the optimizer may have
     * changed the gradients since; its update was skipped, so the parameters are the step's own). On
     * an evaluation step it is called before the evaluation, so the training batch is still loaded.
     */
    private void requireFiniteLoss(int step, LossTotals trainTotals, int targets) {
        double trainLoss = trainTotals.lossSum() / targets;
        if (!Double.isFinite(trainLoss)) {
            model.forward();
            throw new TrainingDivergedException("training diverged at step " + step + ": the training loss is "
                    + trainLoss + "; " + firstNonFiniteAfterForward());
        }
    }

    /**
     * Why the loss of the last forward pass is not finite, naming the first operation that made a
     * non-finite value: a parameter (the update before made it; see {@link #divergenceAfterUpdate}),
     * else the first activation in forward order, else (after a backward pass) the first gradient
     * in backward order, else the loss itself.
     */
    private String firstNonFiniteAfterForward() {
        String p = divergenceAfterUpdate();
        if (p != null) {
            return p;
        }
        String a = model.firstNonFiniteActivation();
        if (a != null) {
            return "first non-finite value: output of " + a;
        }
        model.backward();
        String g = firstNonFiniteGradientBackward();
        return g != null ? "first non-finite tensor: gradient of " + g
                : "every parameter, activation and gradient is finite: the loss itself overflowed";
    }

    /**
     * Null while every parameter is finite; otherwise what made the first one non-finite: the
     * parameter, then the gradient of the last update (still in the gradient buffer: evaluation only
     * runs forward passes) as its first non-finite tensor in backward order, or, when that gradient
     * is finite, the update itself (learning rate, weight decay). The check before every checkpoint
     * and before the final weights.
     */
    public String divergenceAfterUpdate() {
        String p = firstNonFiniteParameter();
        if (p == null) {
            return null;
        }
        String g = firstNonFiniteGradientBackward();
        return "first non-finite tensor: parameter " + p + "; " + (g != null
                ? "the last update's gradient was not finite, first (in backward order) in " + g
                : "the last update's gradient was finite: the update itself made it (see train.optimizer: "
                + "lr, eps, weightDecay)");
    }

    /** The first non-finite tensor of the gradient buffer in the order the backward pass makes them (reverse layout order); null if none. */
    private String firstNonFiniteGradientBackward() {
        model.device().toHost(model.grads());
        List<ParamLayout.Tensor> tensors = new ArrayList<>(model.layout().tensors());
        Collections.reverse(tensors);
        return firstNonFinite(tensors, "", model.grads().host(), model.grads().offset());
    }

    /** The parameters' first non-finite tensor (host copy), as for {@link #firstNonFinite}; null if none. */
    public String firstNonFiniteParameter() {
        model.device().toHost(model.params());
        return firstNonFinite(model.layout(), "", model.params().host(), model.params().offset());
    }

    /**
     * "'prefix+name' (element i = value)" for the first tensor of a parameter-shaped buffer, in layout
     * order, that holds a NaN or infinity; null when all are finite.
     */
    public static String firstNonFinite(ParamLayout layout, String prefix, float[] a, int offset) {
        return firstNonFinite(layout.tensors(), prefix, a, offset);
    }

    private static String firstNonFinite(List<ParamLayout.Tensor> tensors, String prefix, float[] a, int offset) {
        for (ParamLayout.Tensor t : tensors) {
            int base = offset + t.offset();
            for (int i = 0; i < t.size(); i++) {
                if (!Float.isFinite(a[base + i])) {
                    return "'" + prefix + t.name() + "' (element " + i + " = " + a[base + i] + ")";
                }
            }
        }
        return null;
    }

    private Map<String, Double> evaluate(int step, double trainLoss, double trainAccuracy, double trainCollapse) {
        // Every split's passes are recorded first and their totals read after: one execution of a
        // recording device for the whole evaluation (the weight norms' read-back runs it).
        Map<String, SplitEvaluation> pending = new LinkedHashMap<>();
        for (Split s : data.splits().values()) {
            if (!(s == trainSplit && fullBatch && evalRepeats == trainRepeats)) {
                pending.put(s.name(), start(s));
            }
        }
        Map<String, Double> norms = new LinkedHashMap<>();
        addGroupNorms(norms);
        Map<String, MetricsRow.SplitMetrics> splits = new LinkedHashMap<>();
        for (Split s : data.splits().values()) {
            SplitEvaluation e = pending.get(s.name());
            if (e == null) {
                splits.put(s.name(), new MetricsRow.SplitMetrics(trainLoss, trainAccuracy, trainCollapse));
            } else {
                double[] la = e.result();
                splits.put(s.name(), new MetricsRow.SplitMetrics(la[0], la[1], s == trainSplit ? la[2] : null));
            }
        }
        // Listeners and metrics.jsonl take the flat row; MetricsRow spells its keys.
        Map<String, Double> row = new MetricsRow(step, splits).toMap();
        if (!train.optimizer().decay().equals("none")) {
            row.put("lr", optimizer.lrOfUpdate(step)); // the rate of the update that follows this row
        }
        row.putAll(norms);
        return row;
    }

    /**
     * The per-group weight norms, and with ⊥Grad or logGradCosine the gradient cosines: the gradient is
     * still this step's raw one (the optimizer runs after the evaluation; evaluation only runs forward passes).
     */
    private void addGroupNorms(Map<String, Double> row) {
        Device dev = model.device();
        boolean cosine = train.logGradCosine() || train.optimizer().orthogonalGradient();
        // one wait for both downloads: a model in lockstep then waits as often as one without cosines
        dev.toHostAtNextSync(model.params());
        if (cosine) {
            dev.toHostAtNextSync(model.grads());
        }
        dev.sync();
        GroupNorms.addTo(row, model.layout(), model.params().host(), model.params().offset(),
                cosine ? model.grads().host() : null, model.grads().offset());
    }

    /**
     * Mean loss per target position, exact-match accuracy per sequence (every target position's
     * argmax right, which is greedy decoding's exact match) and, for the training split only, the
     * fraction of target positions in softmax collapse (else NaN) over a split, or its first
     * {@code evalMaxPerSplit} sequences, in chunks of the model's largest batch, with the layer stack run
     * {@link #evalLayerRepeats} times. The training split's loss is the training objective, label
     * smoothing included; the other splits' the plain −log p(target).
     */
    public double[] evaluate(Split s) {
        return start(s).result();
    }

    /** A split's forward passes, recorded; their totals are read by {@link #result}. */
    private final class SplitEvaluation {
        final List<LossTotals> chunks = new ArrayList<>();
        final boolean isTrain;
        long sequences;
        long count;
        long collapsed;

        SplitEvaluation(boolean isTrain) {
            this.isTrain = isTrain;
        }

        /** Mean loss, exact-match accuracy, and the collapsed fraction (training split only, else NaN). */
        double[] result() {
            double lossSum = 0;
            long hits = 0;
            for (LossTotals t : chunks) {
                lossSum += t.lossSum();
                hits += t.sequenceHits();
            }
            return new double[]{lossSum / count, (double) hits / sequences, isTrain ? (double) collapsed / count : Double.NaN};
        }
    }

    private SplitEvaluation start(Split s) {
        model.setLayerRepeats(evalRepeats);
        try {
            return startNow(s);
        } finally {
            model.setLayerRepeats(trainRepeats);
        }
    }

    private SplitEvaluation startNow(Split s) {
        int n = train.evalMaxPerSplit() == null ? s.size() : Math.min(s.size(), train.evalMaxPerSplit());
        SplitEvaluation e = new SplitEvaluation(s == trainSplit);
        for (int from = 0; from < n; from += model.maxBatch()) {
            int b = Math.min(model.maxBatch(), n - from);
            model.setBatch(s.tokens(), s.targets(), from, b);
            LossTotals chunk = new LossTotals();
            model.forward(e.isTrain, chunk);
            e.chunks.add(chunk);
            e.sequences += model.sequenceCount();
            e.count += model.targetCount();
            e.collapsed += e.isTrain ? model.collapsedTargets() : 0; // reads the logits: a round trip per chunk
        }
        return e;
    }

    /** {@link Transformer#batchLoads()} right after this trainer loaded the full batch; -1 before. */
    private long fullBatchLoad = -1;

    private void loadTrainingBatch() {
        if (fullBatch) {
            if (model.batchLoads() != fullBatchLoad) { // unchanged since: the device still has it
                model.setBatch(trainSplit.tokens(), trainSplit.targets(), 0, batchSize);
                fullBatchLoad = model.batchLoads();
            }
            return;
        }
        int n = trainSplit.size();
        if (cursor + batchSize > n) {
            for (int i = n - 1; i > 0; i--) { // Fisher–Yates, once per pass over the data
                int j = batchRng.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
            cursor = 0;
        }
        int T = data.contextLength();
        for (int i = 0; i < batchSize; i++) {
            int src = order[cursor + i] * T;
            System.arraycopy(trainSplit.tokens(), src, batchTokens, i * T, T);
            System.arraycopy(trainSplit.targets(), src, batchTargets, i * T, T);
        }
        cursor += batchSize;
        model.setBatch(batchTokens, batchTargets, 0, batchSize);
    }

    // ------------------------------------------------------------- state a checkpoint saves and restores
    // Public only for org.grokcap.run.Checkpoint, which owns the run directory's checkpoint files.

    /** Whether every step trains on the whole training split (then there is no batch order to save). */
    public boolean fullBatch() {
        return fullBatch;
    }

    /** The current pass's order of the training split (null in full-batch mode); live, not a copy. */
    public int[] batchOrder() {
        return order;
    }

    /** How many sequences of the current pass's order have been used. */
    public int batchCursor() {
        return cursor;
    }

    /** The batch-order stream, positioned after the last shuffle. */
    public RestorableUniformRandomProvider batchRng() {
        return batchRng;
    }

    /** Sets the batch position a checkpoint recorded; the order and stream are restored in place. */
    public void restoreBatchCursor(int c) {
        this.cursor = c;
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}
