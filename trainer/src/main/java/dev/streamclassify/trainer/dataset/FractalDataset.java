package dev.streamclassify.trainer.dataset;

import dev.streamclassify.model.image.RawImage;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Formula-driven synthetic images (Kataoka et al., "Pre-training without Natural Images", ACCV 2020): every class
 * is one random iterated function system (IFS) of 2-4 contractive affine maps; its images are rendered with the
 * chaos game. Instances of a class differ by a small per-image jitter of the map parameters, a random scale,
 * rotation and translation of the rendered attractor, and the chaos game's own randomness. A source of any size
 * that shares no class with any natural-image target and needs no download.
 *
 * <p>Deterministic under a seed: class {@code c} depends only on {@code (seed, c)} and its image {@code i} only on
 * {@code (seed, c, i)}, so asking for more classes or more images per class extends the set without changing
 * what was already there. Grayscale, light figure on a black background, like Fashion-MNIST.
 */
public final class FractalDataset {

    /** Chaos-game iterations per image (after a short burn-in); enough to fill a 28x28 attractor densely. */
    private static final int POINTS = 4000;
    private static final int BURN_IN = 20;
    /** Share of pixels a class's base attractor must light, so degenerate (dot/line) or blob-like IFS are redrawn. */
    private static final double MIN_FILL = 0.06;
    private static final double MAX_FILL = 0.55;
    private static final int MAX_CLASS_ATTEMPTS = 500;

    private FractalDataset() {
    }

    /** One contractive affine map {@code p -> A p + t}. */
    record AffineMap(double a, double b, double c, double d, double e, double f) {

        /** Largest singular value of the linear part: < 1 means the map is contractive. */
        double spectralNorm() {
            double s1 = a * a + b * b + c * c + d * d;
            double det = a * d - b * c;
            double disc = Math.sqrt(Math.max(0, s1 * s1 - 4 * det * det));
            return Math.sqrt((s1 + disc) / 2);
        }

        double absDet() {
            return Math.abs(a * d - b * c);
        }

        AffineMap scaledLinear(double k) {
            return new AffineMap(a * k, b * k, c * k, d * k, e, f);
        }
    }

    /**
     * {@code classes} fractal classes named {@code fractal-000 ...}, {@code perClass} images each, {@code size}
     * x {@code size} grayscale.
     */
    public static Dataset generate(int classes, int perClass, int size, long seed) {
        if (classes < 1 || perClass < 1 || size < 8) {
            throw new IllegalArgumentException("need classes >= 1, perClass >= 1 and size >= 8, were "
                    + classes + ", " + perClass + ", " + size);
        }
        List<String> labels = new ArrayList<>(classes);
        List<LabelledImage> images = new ArrayList<>(classes * perClass);
        int width = Math.max(3, (int) Math.ceil(Math.log10(classes)));
        for (int c = 0; c < classes; c++) {
            labels.add(String.format("fractal-%0" + width + "d", c));
        }
        for (int c = 0; c < classes; c++) {
            List<AffineMap> ifs = classSystem(seed, c, size);
            for (int i = 0; i < perClass; i++) {
                SplittableRandom rnd = new SplittableRandom(mix(mix(seed, c), 0x5EEDL + i));
                images.add(new LabelledImage(labels.get(c), renderInstance(ifs, size, rnd)));
            }
        }
        return new Dataset(labels, images);
    }

    /** The IFS of class {@code c}: redrawn until its attractor fills a sensible share of the image. */
    static List<AffineMap> classSystem(long seed, int c, int size) {
        SplittableRandom rnd = new SplittableRandom(mix(seed, c));
        List<AffineMap> best = null;
        for (int attempt = 0; attempt < MAX_CLASS_ATTEMPTS; attempt++) {
            List<AffineMap> ifs = randomSystem(rnd);
            double fill = fill(render(ifs, size, 1.0, 0, 0, 0, new SplittableRandom(rnd.nextLong())));
            best = ifs;
            if (fill >= MIN_FILL && fill <= MAX_FILL) {
                return ifs;
            }
        }
        return best;
    }

    private static List<AffineMap> randomSystem(SplittableRandom rnd) {
        int n = 2 + rnd.nextInt(3);
        List<AffineMap> maps = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            AffineMap m = new AffineMap(u(rnd), u(rnd), u(rnd), u(rnd), u(rnd), u(rnd));
            // keep it contractive: shrink the linear part so its largest singular value is at most 0.2-0.9
            double limit = 0.2 + 0.7 * rnd.nextDouble();
            double norm = m.spectralNorm();
            if (norm > limit) {
                m = m.scaledLinear(limit / norm);
            }
            maps.add(m);
        }
        return maps;
    }

    private static RawImage renderInstance(List<AffineMap> base, int size, SplittableRandom rnd) {
        List<AffineMap> jittered = new ArrayList<>(base.size());
        for (AffineMap m : base) {
            AffineMap j = new AffineMap(jitter(m.a(), rnd), jitter(m.b(), rnd), jitter(m.c(), rnd), jitter(m.d(), rnd),
                    m.e() + 0.05 * gauss(rnd), m.f() + 0.05 * gauss(rnd));
            double norm = j.spectralNorm();
            if (norm > 0.95) {
                j = j.scaledLinear(0.95 / norm);
            }
            jittered.add(j);
        }
        double scale = 0.7 + 0.3 * rnd.nextDouble();
        double angle = Math.toRadians(-20 + 40 * rnd.nextDouble());
        double shift = 0.12 * size;
        double dx = shift * (2 * rnd.nextDouble() - 1);
        double dy = shift * (2 * rnd.nextDouble() - 1);
        return toImage(render(jittered, size, scale, angle, dx, dy, rnd), size);
    }

    /**
     * Chaos game: hit counts per pixel. The attractor is fitted into the central 85% of the frame (aspect kept),
     * then scaled by {@code scale}, rotated by {@code angle} and shifted by ({@code dx}, {@code dy}) pixels.
     */
    private static int[] render(List<AffineMap> ifs, int size, double scale, double angle, double dx, double dy,
                                SplittableRandom rnd) {
        double[] cumulative = new double[ifs.size()];
        double total = 0;
        for (int k = 0; k < ifs.size(); k++) {
            total += Math.max(ifs.get(k).absDet(), 0.02);
            cumulative[k] = total;
        }
        double[] xs = new double[POINTS];
        double[] ys = new double[POINTS];
        double x = 0;
        double y = 0;
        double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
        for (int it = 0; it < POINTS + BURN_IN; it++) {
            double r = rnd.nextDouble() * total;
            int k = 0;
            while (k < cumulative.length - 1 && r > cumulative[k]) {
                k++;
            }
            AffineMap m = ifs.get(k);
            double nx = m.a() * x + m.b() * y + m.e();
            double ny = m.c() * x + m.d() * y + m.f();
            x = nx;
            y = ny;
            if (it >= BURN_IN) {
                int p = it - BURN_IN;
                xs[p] = x;
                ys[p] = y;
                minX = Math.min(minX, x);
                maxX = Math.max(maxX, x);
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y);
            }
        }
        double extent = Math.max(Math.max(maxX - minX, maxY - minY), 1e-9);
        double k = 0.85 * (size - 1) * scale / extent;
        double cx = (minX + maxX) / 2;
        double cy = (minY + maxY) / 2;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double centre = (size - 1) / 2.0;
        int[] hits = new int[size * size];
        for (int p = 0; p < POINTS; p++) {
            double u = (xs[p] - cx) * k;
            double v = (ys[p] - cy) * k;
            int px = (int) Math.round(centre + dx + cos * u - sin * v);
            int py = (int) Math.round(centre + dy + sin * u + cos * v);
            if (px >= 0 && py >= 0 && px < size && py < size) {
                hits[py * size + px]++;
            }
        }
        return hits;
    }

    /** Log-scaled hit density: sparse filaments stay visible, dense cores saturate. */
    private static RawImage toImage(int[] hits, int size) {
        int max = 0;
        for (int h : hits) {
            max = Math.max(max, h);
        }
        byte[] px = new byte[size * size];
        double norm = Math.log1p(Math.max(1, max));
        for (int i = 0; i < hits.length; i++) {
            if (hits[i] > 0) {
                int v = (int) Math.round(80 + 175 * Math.log1p(hits[i]) / norm);
                px[i] = (byte) Math.min(255, v);
            }
        }
        return new RawImage(size, size, 1, px);
    }

    private static double fill(int[] hits) {
        int lit = 0;
        for (int h : hits) {
            if (h > 0) {
                lit++;
            }
        }
        return lit / (double) hits.length;
    }

    private static double u(SplittableRandom rnd) {
        return 2 * rnd.nextDouble() - 1;
    }

    private static double jitter(double v, SplittableRandom rnd) {
        return v * (1 + 0.1 * gauss(rnd)) + 0.03 * gauss(rnd);
    }

    private static double gauss(SplittableRandom rnd) {
        double u1 = Math.max(rnd.nextDouble(), 1e-12);
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** SplitMix64 finaliser over {@code a} and {@code b}: independent streams per (seed, class, image). */
    static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
