package org.grokcap.model;

/**
 * The GPT-2-style model of {@link GoldenModelTest} trained with softmax cross-entropy with label smoothing 0.1 (PyTorch's {@code label_smoothing}): its checks (loss,
 * gradients, 3 AdamW steps) on the values {@code src/test/resources/golden/make_golden.py} computed
 * for that loss from the same initial parameters and batch.
 */
class GoldenLabelSmoothingTest extends GoldenModelTest {
    @Override
    String resource() {
        return "/golden/tiny-gpt2-smoothing.json";
    }
}
