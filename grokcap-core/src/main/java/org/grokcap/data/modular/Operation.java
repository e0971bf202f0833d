package org.grokcap.data.modular;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The binary operations of Power et al. 2022, over Z_p. */
public enum Operation {
    ADD("x+y"),
    SUBTRACT("x-y"),
    MULTIPLY("x*y"),
    DIVIDE("x/y"),
    DIVIDE_IF_ODD_ELSE_SUBTRACT("x/y if y odd else x-y"),
    SQUARE_SUM("x^2+y^2"),
    QUADRATIC("x^2+xy+y^2"),
    QUADRATIC_PLUS_X("x^2+xy+y^2+x"),
    CUBE_PLUS_XY("x^3+xy"),
    CUBE_PLUS_XY2_PLUS_Y("x^3+xy^2+y");

    private final String symbol;

    Operation(String symbol) {
        this.symbol = symbol;
    }

    /** The name used in config files, e.g. "x+y". */
    @JsonValue
    public String symbol() {
        return symbol;
    }

    @JsonCreator
    public static Operation of(String symbol) {
        for (Operation op : values()) {
            if (withoutSpaces(op.symbol).equals(withoutSpaces(symbol))) {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown operation \"" + symbol + "\"; use one of "
                + Arrays.stream(values()).map(o -> "\"" + o.symbol + "\"").collect(Collectors.joining(", ")));
    }

    private static String withoutSpaces(String s) {
        return s.replaceAll("\\s+", "");
    }

    /** True when some operand pairs need y⁻¹ mod p, which exists for every y ≠ 0 only when p is prime. */
    public boolean divides() {
        return this == DIVIDE || this == DIVIDE_IF_ODD_ELSE_SUBTRACT;
    }

    /** Whether the pair (x, y) is in the dataset: plain division leaves out y = 0. */
    public boolean defined(int x, int y) {
        return this != DIVIDE || y != 0;
    }

    /** x ∘ y mod p, for x, y in [0, p). */
    public int apply(int x, int y, int p) {
        long a = x;
        long b = y;
        long r = switch (this) {
            case ADD -> a + b;
            case SUBTRACT -> a - b;
            case MULTIPLY -> a * b;
            case DIVIDE -> a * inverse(y, p);
            case DIVIDE_IF_ODD_ELSE_SUBTRACT -> (y % 2 == 1) ? a * inverse(y, p) : a - b;
            case SQUARE_SUM -> a * a + b * b;
            case QUADRATIC -> a * a + a * b + b * b;
            case QUADRATIC_PLUS_X -> a * a + a * b + b * b + a;
            case CUBE_PLUS_XY -> (a * a % p) * a + a * b;
            case CUBE_PLUS_XY2_PLUS_Y -> (a * a % p) * a + a * (b * b % p) + b;
        };
        return (int) Math.floorMod(r, (long) p);
    }

    /** y⁻¹ mod p by Fermat's little theorem (p prime, y ≠ 0). */
    static long inverse(int y, int p) {
        return java.math.BigInteger.valueOf(y).modPow(java.math.BigInteger.valueOf(p - 2L),
                java.math.BigInteger.valueOf(p)).longValueExact();
    }
}
