/**
 * Scalar reference kernels: the truth every optimised kernel is tested against.
 *
 * <p>One class per operation, {@code forward} and {@code backward} side by side (the style of
 * llm.c's train_gpt2.c). Arguments come in the order outputs, inputs, weights, sizes; every array
 * is paired with the offset at which its tensor starts, because parameters and activations are
 * named slices of a few flat buffers. Shapes use one set of letters: B batch, T positions,
 * C channels, H heads, V vocabulary, N rows (usually B*T), M MLP width.
 *
 * <p>Backward passes <em>add</em> into gradients; zeroing is a separate call. Nothing here
 * allocates.
 */
package org.grokcap.kernels;
