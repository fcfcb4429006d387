package dev.streamclassify.model.image;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

/** Images with known pixels, and hand-made PNG files for what ImageIO will not write (hostile headers, 16-bit). */
final class TestImages {

    private TestImages() {
    }

    /** Every pixel (x, y) has value (x * 7 + y * 13 + c * 50) mod 256: distinct neighbours, known values. */
    static RawImage pattern(int width, int height, int channels) {
        byte[] px = new byte[width * height * channels];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < channels; c++) {
                    px[(y * width + x) * channels + c] = (byte) (x * 7 + y * 13 + c * 50);
                }
            }
        }
        return new RawImage(width, height, channels, px);
    }

    /** Four flat quadrants: few colours, so palette formats (GIF) keep them exactly. */
    static RawImage quadrants(int width, int height) {
        int[][] colours = {{200, 30, 30}, {30, 200, 30}, {30, 30, 200}, {250, 250, 250}};
        byte[] px = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int[] rgb = colours[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)];
                for (int c = 0; c < 3; c++) {
                    px[(y * width + x) * 3 + c] = (byte) rgb[c];
                }
            }
        }
        return new RawImage(width, height, 3, px);
    }

    static RawImage flat(int width, int height, int... channelValues) {
        int channels = channelValues.length;
        byte[] px = new byte[width * height * channels];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) channelValues[i % channels];
        }
        return new RawImage(width, height, channels, px);
    }

    /** A 1-row gray image with the given values. */
    static RawImage row(int... values) {
        byte[] px = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            px[i] = (byte) values[i];
        }
        return new RawImage(values.length, 1, 1, px);
    }

    /**
     * A PNG whose IHDR declares {@code width x height} but which carries no pixel data at all: decoding it would
     * fail, so only a header check can refuse it for its size.
     */
    static byte[] pngHeaderOnly(int width, int height) {
        return png(width, height, 8, 0, null);
    }

    /** A 16-bit grayscale PNG, one row of big-endian samples. */
    static byte[] png16BitGray(int... samples) {
        byte[] raw = new byte[1 + samples.length * 2];
        for (int i = 0; i < samples.length; i++) {
            raw[1 + 2 * i] = (byte) (samples[i] >> 8);
            raw[2 + 2 * i] = (byte) samples[i];
        }
        return png(samples.length, 1, 16, 0, raw);
    }

    /** @param filteredRows scanlines, each prefixed with its filter byte; null writes no IDAT chunk */
    static byte[] png(int width, int height, int bitDepth, int colourType, byte[] filteredRows) {
        try {
            var bytes = new ByteArrayOutputStream();
            var out = new DataOutputStream(bytes);
            out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            var ihdr = new ByteArrayOutputStream();
            var h = new DataOutputStream(ihdr);
            h.writeInt(width);
            h.writeInt(height);
            h.writeByte(bitDepth);
            h.writeByte(colourType);
            h.writeByte(0);
            h.writeByte(0);
            h.writeByte(0);
            chunk(out, "IHDR", ihdr.toByteArray());
            if (filteredRows != null) {
                var idat = new ByteArrayOutputStream();
                try (var deflate = new DeflaterOutputStream(idat)) {
                    deflate.write(filteredRows);
                }
                chunk(out, "IDAT", idat.toByteArray());
            }
            chunk(out, "IEND", new byte[0]);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
