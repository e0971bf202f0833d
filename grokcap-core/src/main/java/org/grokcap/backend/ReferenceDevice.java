package org.grokcap.backend;

import org.grokcap.kernels.AdamW;
import org.grokcap.kernels.Attention;
import org.grokcap.kernels.CrossEntropy;
import org.grokcap.kernels.Embedding;
import org.grokcap.kernels.GatherRows;
import org.grokcap.kernels.Gelu;
import org.grokcap.kernels.GradClip;
import org.grokcap.kernels.LayerNorm;
import org.grokcap.kernels.Linear;
import org.grokcap.kernels.Relu;
import org.grokcap.kernels.Residual;
import org.grokcap.kernels.RmsNorm;
import org.grokcap.kernels.Rotary;
import org.grokcap.kernels.Swiglu;
import org.grokcap.kernels.Activation;

import java.util.Arrays;

/** Runs every call at once with the scalar reference kernels, on one thread. Slow and obviously right. */
public class ReferenceDevice implements Device {

    @Override
    public String describe() {
        return "reference (scalar kernels, 1 thread)";
    }

    @Override
    public void zero(Buf b) {
        Arrays.fill(b.host(), b.offset(), b.offset() + b.size(), 0f);
    }

    @Override
    public void embeddingForward(Buf out, IntBuf tokens, Buf wte, Buf wpe, int B, int T, int C) {
        Embedding.forward(out.host(), out.offset(), tokens.host(), tokens.offset(),
                wte.host(), wte.offset(), wpe.host(), wpe.offset(), B, T, C);
    }

    @Override
    public void embeddingBackward(Buf dwte, Buf dwpe, Buf dout, IntBuf tokens, int B, int T, int C) {
        Embedding.backward(dwte.host(), dwte.offset(), dwpe.host(), dwpe.offset(), dout.host(), dout.offset(),
                tokens.host(), tokens.offset(), B, T, C);
    }

    @Override
    public void linearForward(Buf out, Buf inp, Buf w, Buf bias, int N, int C, int OC) {
        Linear.forward(out.host(), out.offset(), inp.host(), inp.offset(), w.host(), w.offset(),
                bias == null ? null : bias.host(), bias == null ? 0 : bias.offset(), N, C, OC);
    }

    @Override
    public void linearBackward(Buf dinp, Buf dw, Buf dbias, Buf dout, Buf inp, Buf w, int N, int C, int OC) {
        Linear.backward(dinp == null ? null : dinp.host(), dinp == null ? 0 : dinp.offset(), dw.host(), dw.offset(),
                dbias == null ? null : dbias.host(), dbias == null ? 0 : dbias.offset(),
                dout.host(), dout.offset(), inp.host(), inp.offset(), w.host(), w.offset(), N, C, OC);
    }

    @Override
    public void attentionForward(Buf out, Buf att, Buf qkv, IntBuf qRows, int NQ, int T, int C, int H, float scale) {
        Attention.forward(out.host(), out.offset(), att.host(), att.offset(), qkv.host(), qkv.offset(),
                qRows.host(), qRows.offset(), NQ, T, C, H, scale);
    }

    @Override
    public void attentionBackward(Buf dqkv, Buf dout, Buf qkv, Buf att, IntBuf qRows, int NQ, int T, int C, int H,
                                  float scale) {
        Attention.backward(dqkv.host(), dqkv.offset(), dout.host(), dout.offset(), qkv.host(), qkv.offset(),
                att.host(), att.offset(), qRows.host(), qRows.offset(), NQ, T, C, H, scale);
    }

    @Override
    public void layerNormForward(Buf out, Buf mean, Buf rstd, Buf inp, Buf weight, Buf bias, int N, int C) {
        LayerNorm.forward(out.host(), out.offset(), mean.host(), mean.offset(), rstd.host(), rstd.offset(),
                inp.host(), inp.offset(), weight.host(), weight.offset(), bias.host(), bias.offset(), N, C);
    }

    @Override
    public void layerNormBackward(Buf dinp, Buf dweight, Buf dbias, Buf dout, Buf inp, Buf weight, Buf mean,
                                  Buf rstd, int N, int C) {
        LayerNorm.backward(dinp.host(), dinp.offset(), dweight.host(), dweight.offset(), dbias.host(), dbias.offset(),
                dout.host(), dout.offset(), inp.host(), inp.offset(), weight.host(), weight.offset(),
                mean.host(), mean.offset(), rstd.host(), rstd.offset(), N, C);
    }

    @Override
    public void activationForward(Activation kind, Buf out, Buf inp, int n) {
        switch (kind) {
            case RELU -> Relu.forward(out.host(), out.offset(), inp.host(), inp.offset(), n);
            case GELU -> Gelu.forward(out.host(), out.offset(), inp.host(), inp.offset(), n);
        }
    }

    @Override
    public void activationBackward(Activation kind, Buf dinp, Buf inp, Buf dout, int n) {
        switch (kind) {
            case RELU -> Relu.backward(dinp.host(), dinp.offset(), inp.host(), inp.offset(), dout.host(), dout.offset(), n);
            case GELU -> Gelu.backward(dinp.host(), dinp.offset(), inp.host(), inp.offset(), dout.host(), dout.offset(), n);
        }
    }

    @Override
    public void residualForward(Buf out, Buf a, Buf b, int n) {
        Residual.forward(out.host(), out.offset(), a.host(), a.offset(), b.host(), b.offset(), n);
    }

    @Override
    public void residualBackward(Buf da, Buf db, Buf dout, int n) {
        Residual.backward(da.host(), da.offset(), db.host(), db.offset(), dout.host(), dout.offset(), n);
    }

    @Override
    public void rmsNormForward(Buf out, Buf rstd, Buf inp, Buf weight, int N, int C) {
        RmsNorm.forward(out.host(), out.offset(), rstd.host(), rstd.offset(), inp.host(), inp.offset(),
                weight.host(), weight.offset(), N, C);
    }

    @Override
    public void rmsNormBackward(Buf dinp, Buf dweight, Buf dout, Buf inp, Buf weight, Buf rstd, int N, int C) {
        RmsNorm.backward(dinp.host(), dinp.offset(), dweight.host(), dweight.offset(), dout.host(), dout.offset(),
                inp.host(), inp.offset(), weight.host(), weight.offset(), rstd.host(), rstd.offset(), N, C);
    }

    @Override
    public void swigluForward(Buf out, Buf inp, int N, int M) {
        Swiglu.forward(out.host(), out.offset(), inp.host(), inp.offset(), N, M);
    }

    @Override
    public void swigluBackward(Buf dinp, Buf inp, Buf dout, int N, int M) {
        Swiglu.backward(dinp.host(), dinp.offset(), inp.host(), inp.offset(), dout.host(), dout.offset(), N, M);
    }

    @Override
    public void rotaryForward(Buf out, Buf inp, Buf cos, Buf sin, int N, int T, int C, int H) {
        Rotary.forward(out.host(), out.offset(), inp.host(), inp.offset(), cos.host(), cos.offset(),
                sin.host(), sin.offset(), N, T, C, H);
    }

    @Override
    public void rotaryBackward(Buf dinp, Buf dout, Buf cos, Buf sin, int N, int T, int C, int H) {
        Rotary.backward(dinp.host(), dinp.offset(), dout.host(), dout.offset(), cos.host(), cos.offset(),
                sin.host(), sin.offset(), N, T, C, H);
    }

    @Override
    public void gatherRowsForward(Buf out, Buf inp, IntBuf rows, int R, int C) {
        GatherRows.forward(out.host(), out.offset(), inp.host(), inp.offset(), rows.host(), rows.offset(), R, C);
    }

    @Override
    public void gatherRowsBackward(Buf dinp, Buf dout, IntBuf rows, int R, int C) {
        GatherRows.backward(dinp.host(), dinp.offset(), dout.host(), dout.offset(), rows.host(), rows.offset(), R, C);
    }

    @Override
    public void crossEntropyForward(Buf losses, Buf hits, Buf logits, IntBuf targets, int N, int V,
                                    CrossEntropy.Loss loss) {
        CrossEntropy.forward(losses.host(), losses.offset(), hits.host(), hits.offset(), logits.host(), logits.offset(),
                targets.host(), targets.offset(), N, V, loss);
    }

    @Override
    public void crossEntropyBackward(Buf dlogits, Buf logits, IntBuf targets, int N, int V, float dlossScale,
                                     CrossEntropy.Loss loss) {
        CrossEntropy.backward(dlogits.host(), dlogits.offset(), logits.host(), logits.offset(),
                targets.host(), targets.offset(), N, V, dlossScale, loss);
    }

    @Override
    public double sumOfSquares(Buf g) {
        return GradClip.sumOfSquares(g.host(), g.offset(), g.size());
    }

    @Override
    public void scale(Buf g, float factor) {
        GradClip.scale(g.host(), g.offset(), g.size(), factor);
    }

    @Override
    public double dot(Buf a, Buf b) {
        Buf.requireSameSize(a, b);
        return GradClip.dot(a.host(), a.offset(), b.host(), b.offset(), a.size());
    }

    @Override
    public void axpy(Buf y, float alpha, Buf x) {
        Buf.requireSameSize(y, x);
        GradClip.axpy(y.host(), y.offset(), alpha, x.host(), x.offset(), y.size());
    }

    @Override
    public void adamW(Buf params, Buf grads, Buf m, Buf v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, int step) {
        if (grads.offset() != params.offset() || m.offset() != params.offset() || v.offset() != params.offset()) {
            throw new IllegalArgumentException("AdamW needs params, grads and moments at the same offset");
        }
        AdamW.update(params.host(), grads.host(), m.host(), v.host(), params.offset(), params.size(),
                lr, beta1, beta2, eps, weightDecay, step);
    }
}
