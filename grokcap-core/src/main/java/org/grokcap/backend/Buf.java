package org.grokcap.backend;

/**
 * A handle to a float tensor that a {@link Device} owns: a named slice {@code [offset, offset+size)}
 * of a root array. On the CPU the root array is the storage; a GPU device keeps its own copy of each
 * root and moves data only at {@link Device#toDevice}/{@link Device#toHost}.
 */
public final class Buf {
    private final String name;
    private final float[] root;
    private final int offset;
    private final int size;

    Buf(String name, float[] root, int offset, int size) {
        if (offset < 0 || size < 0 || offset + size > root.length) {
            throw new IllegalArgumentException(name + ": slice [" + offset + "," + (offset + size)
                    + ") outside a root of " + root.length);
        }
        this.name = name;
        this.root = root;
        this.offset = offset;
        this.size = size;
    }

    public String name() {
        return name;
    }

    /** The root array (host memory); read it only after {@link Device#toHost}. */
    public float[] host() {
        return root;
    }

    public int offset() {
        return offset;
    }

    public int size() {
        return size;
    }

    /** A named sub-slice of this buffer. */
    public Buf slice(String sliceName, int from, int length) {
        if (from < 0 || length < 0 || from + length > size) {
            throw new IllegalArgumentException(sliceName + ": [" + from + "," + (from + length) + ") outside " + name
                    + " of size " + size);
        }
        return new Buf(sliceName, root, offset + from, length);
    }

    /** For two-operand calls: a and b must have the same size. */
    public static void requireSameSize(Buf a, Buf b) {
        if (a.size != b.size) {
            throw new IllegalArgumentException(a + " and " + b + " differ in size");
        }
    }

    @Override
    public String toString() {
        return name + "[" + offset + "+" + size + "]";
    }
}
