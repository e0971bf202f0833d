package org.grokcap.backend;

/** A handle to an int tensor (tokens, targets, row indices); see {@link Buf}. */
public final class IntBuf {
    private final String name;
    private final int[] root;
    private final int offset;
    private final int size;

    IntBuf(String name, int[] root, int offset, int size) {
        if (offset < 0 || size < 0 || offset + size > root.length) {
            throw new IllegalArgumentException(name + ": slice outside its root");
        }
        this.name = name;
        this.root = root;
        this.offset = offset;
        this.size = size;
    }

    public String name() {
        return name;
    }

    public int[] host() {
        return root;
    }

    public int offset() {
        return offset;
    }

    public int size() {
        return size;
    }

    @Override
    public String toString() {
        return name + "[" + offset + "+" + size + "]";
    }
}
