package org.grokcap.model;

/**
 * ⊥Grad against PyTorch: the checks of {@link GoldenModelTest} on the values that
 * {@code src/test/resources/golden/make_golden.py} computed for the same tiny GPT-2-style model with
 * ⊥Grad (Prieto et al.'s orthograd.py) applied to every gradient before each of the 3 AdamW steps.
 * The file's optimizer block says {@code orthogonalGradient: true}, which the step check passes on.
 * Its parameters after 3 steps differ from the plain AdamW run's by up to ~1e-2, far outside the
 * tolerance, so a ⊥Grad that did nothing, or projected with the wrong sign or scale, fails here.
 */
class GoldenOrthoGradTest extends GoldenModelTest {
    @Override
    String resource() {
        return "/golden/tiny-gpt2-orthograd.json";
    }
}
