package org.grokcap.model;

/**
 * The Llama-style transformer (RMSNorm, rotary positions, SwiGLU, no biases, untied embeddings)
 * against PyTorch: the checks of {@link GoldenModelTest} on the values that
 * {@code src/test/resources/golden/make_golden_llama.py} computed for a tiny 2-layer model.
 */
class GoldenLlamaTest extends GoldenModelTest {
    @Override
    String resource() {
        return "/golden/tiny-llama.json";
    }
}
