package org.grokcap.model;

/**
 * The GPT-2-style model of {@link GoldenModelTest} trained with stablemax cross-entropy ({@code train.loss: stablemax}): its checks (loss,
 * gradients, 3 AdamW steps) on the values {@code src/test/resources/golden/make_golden.py} computed
 * for that loss from the same initial parameters and batch.
 */
class GoldenStablemaxTest extends GoldenModelTest {
    @Override
    String resource() {
        return "/golden/tiny-gpt2-stablemax.json";
    }
}
