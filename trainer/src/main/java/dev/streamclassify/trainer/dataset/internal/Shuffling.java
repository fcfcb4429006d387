package dev.streamclassify.trainer.dataset.internal;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Seeded permutations for sampling and splitting. The shuffle is written out here on top of {@link Random}, whose
 * algorithm the JDK specifies, so that a seed written in a README or a training record selects the same images on
 * every JDK.
 */
public final class Shuffling {

    private Shuffling() {
    }

    /**
     * Derives one class's seed from the run seed and the class name, so a class's selection does not depend on
     * which other classes are present or in what order they are listed.
     */
    public static long classSeed(long seed, String label) {
        long h = seed;
        for (byte b : label.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xFF));
        }
        return mix(h ^ label.length());
    }

    /** A permutation of {@code 0..n-1} (Fisher-Yates), fully determined by {@code seed}. */
    public static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** SplitMix64 finaliser: spreads small input differences over all 64 bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
