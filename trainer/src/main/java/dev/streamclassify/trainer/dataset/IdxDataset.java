package dev.streamclassify.trainer.dataset;

import dev.streamclassify.model.image.RawImage;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * Reads and writes the IDX format of MNIST and Fashion-MNIST: an IDX3 unsigned-byte image file (magic 2051,
 * count x rows x cols) paired with an IDX1 unsigned-byte label file (magic 2049) whose values index a class-name
 * list. Input may be gzip-compressed or plain, recognised by its first bytes rather than its file name. Every
 * format error is an {@link IOException} whose message starts with the offending file. Stateless and thread-safe.
 */
public final class IdxDataset {

    static final int IMAGES_MAGIC = 0x0803;
    static final int LABELS_MAGIC = 0x0801;

    /** Bounds one image so a garbage header cannot make us allocate gigabytes before the data runs out. */
    private static final long MAX_PIXELS_PER_IMAGE = 16_000_000L;
    private static final int BUFFER = 1 << 16;

    private IdxDataset() {
    }

    /**
     * @param classNames class names by label value; becomes the dataset's label list
     * @throws IOException if a file is missing, unreadable, truncated, has a bad header, the counts differ, or a
     *                     label value has no class name; the message names the file
     */
    public static Dataset load(Path imagesIdx, Path labelsIdx, List<String> classNames) throws IOException {
        InputStream images = Files.newInputStream(imagesIdx);
        InputStream labels;
        try {
            labels = Files.newInputStream(labelsIdx);
        } catch (IOException | RuntimeException e) {
            images.close();
            throw e;
        }
        return load(images, imagesIdx.toString(), labels, labelsIdx.toString(), classNames);
    }

    /**
     * Same as {@link #load(Path, Path, List)} for data that is not a file, such as a classpath resource. Reads
     * both streams to the end and closes them.
     *
     * @param imagesName names the image source in error messages
     * @param labelsName names the label source in error messages
     */
    public static Dataset load(InputStream images, String imagesName, InputStream labels, String labelsName,
                               List<String> classNames) throws IOException {
        try (images; labels) {
            if (classNames.isEmpty()) {
                throw new IllegalArgumentException("classNames must not be empty");
            }
            byte[] labelValues = readLabels(labels, labelsName, classNames.size());
            return new Dataset(classNames, readImages(images, imagesName, labelValues, labelsName, classNames));
        }
    }

    /**
     * Writes gzip-compressed IDX files. IDX holds neither colour nor mixed sizes, nor the class names: read the
     * files back with {@code d.labels()} as class names.
     *
     * @throws IllegalArgumentException if {@code d} is empty, has colour images, images of different sizes, or
     *                                  more than 256 classes
     */
    public static void write(Path imagesOut, Path labelsOut, Dataset d) throws IOException {
        if (d.size() == 0) {
            throw new IllegalArgumentException("cannot write an empty dataset as IDX: the header needs image dimensions");
        }
        if (d.labels().size() > 256) {
            throw new IllegalArgumentException("IDX labels are unsigned bytes: at most 256 classes, dataset has "
                    + d.labels().size());
        }
        RawImage first = d.images().get(0).image();
        for (int i = 0; i < d.size(); i++) {
            RawImage im = d.images().get(i).image();
            if (im.channels() != 1) {
                throw new IllegalArgumentException("IDX holds grayscale images only; image " + i + " has "
                        + im.channels() + " channels");
            }
            if (im.width() != first.width() || im.height() != first.height()) {
                throw new IllegalArgumentException("IDX holds images of one size; image " + i + " is "
                        + im.width() + "x" + im.height() + ", image 0 is " + first.width() + "x" + first.height());
            }
        }
        writeAtomically(imagesOut, out -> {
            out.writeInt(IMAGES_MAGIC);
            out.writeInt(d.size());
            out.writeInt(first.height());
            out.writeInt(first.width());
            for (LabelledImage li : d.images()) {
                out.write(li.image().pixels());
            }
        });
        writeAtomically(labelsOut, out -> {
            out.writeInt(LABELS_MAGIC);
            out.writeInt(d.size());
            for (LabelledImage li : d.images()) {
                out.writeByte(d.classIndex(li.label()));
            }
        });
    }

    private static byte[] readLabels(InputStream raw, String name, int classCount) throws IOException {
        try (DataInputStream in = new DataInputStream(gunzipIfCompressed(raw, name))) {
            int magic = readHeaderInt(in, name);
            if (magic != LABELS_MAGIC) {
                throw new IOException(name + ": not an IDX1 unsigned-byte label file (magic " + hex(magic)
                        + ", expected " + hex(LABELS_MAGIC) + " = " + LABELS_MAGIC + ")"
                        + (magic == IMAGES_MAGIC ? "; this looks like an image file" : ""));
            }
            int count = readHeaderInt(in, name);
            if (count < 0) {
                throw new IOException(name + ": header declares a negative label count " + count);
            }
            byte[] values = in.readNBytes(count);
            if (values.length < count) {
                throw new IOException(name + ": truncated: header declares " + count + " labels, file holds "
                        + values.length);
            }
            for (int i = 0; i < count; i++) {
                int v = values[i] & 0xFF;
                if (v >= classCount) {
                    throw new IOException(name + ": label value " + v + " at item " + i + " has no class name (only "
                            + classCount + " class names given)");
                }
            }
            requireEnd(in, name, count + " labels");
            return values;
        } catch (EOFException e) {
            throw new IOException(name + ": truncated gzip stream", e);
        } catch (ZipException e) {
            throw new IOException(name + ": corrupt gzip data: " + e.getMessage(), e);
        }
    }

    private static List<LabelledImage> readImages(InputStream raw, String name, byte[] labelValues, String labelsName,
                                                  List<String> classNames) throws IOException {
        int read = 0;
        int count = 0;
        try (DataInputStream in = new DataInputStream(gunzipIfCompressed(raw, name))) {
            int magic = readHeaderInt(in, name);
            if (magic != IMAGES_MAGIC) {
                throw new IOException(name + ": not an IDX3 unsigned-byte image file (magic " + hex(magic)
                        + ", expected " + hex(IMAGES_MAGIC) + " = " + IMAGES_MAGIC + ")"
                        + (magic == LABELS_MAGIC ? "; this looks like a label file" : ""));
            }
            count = readHeaderInt(in, name);
            int rows = readHeaderInt(in, name);
            int cols = readHeaderInt(in, name);
            if (count < 0 || rows <= 0 || cols <= 0 || (long) rows * cols > MAX_PIXELS_PER_IMAGE) {
                throw new IOException(name + ": implausible header: " + count + " images of " + rows + "x" + cols
                        + " pixels");
            }
            if (count != labelValues.length) {
                throw new IOException(name + ": holds " + count + " images but " + labelsName + " holds "
                        + labelValues.length + " labels");
            }
            List<LabelledImage> images = new ArrayList<>(count);
            for (; read < count; read++) {
                byte[] pixels = new byte[rows * cols];
                in.readFully(pixels);
                images.add(new LabelledImage(classNames.get(labelValues[read] & 0xFF),
                        new RawImage(cols, rows, 1, pixels)));
            }
            requireEnd(in, name, count + " images");
            return images;
        } catch (EOFException e) {
            throw new IOException(name + ": truncated after " + read + " of " + count + " images", e);
        } catch (ZipException e) {
            throw new IOException(name + ": corrupt gzip data: " + e.getMessage(), e);
        }
    }

    private static InputStream gunzipIfCompressed(InputStream raw, String name) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER);
        }
        return in;
    }

    private static int readHeaderInt(DataInputStream in, String name) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new IOException(name + ": truncated IDX header", e);
        }
    }

    private static void requireEnd(InputStream in, String name, String what) throws IOException {
        if (in.read() != -1) {
            throw new IOException(name + ": unexpected bytes after the declared " + what);
        }
    }

    private static String hex(int v) {
        return String.format("0x%08x", v);
    }

    private interface IdxBody {
        void writeTo(DataOutputStream out) throws IOException;
    }

    /** A failed or interrupted write leaves any previous file in place rather than a truncated one. */
    private static void writeAtomically(Path target, IdxBody body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        // not Files.createTempFile: its owner-only permissions would stick to the published file
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        try {
            try (OutputStream file = Files.newOutputStream(tmp);
                 DataOutputStream out = new DataOutputStream(
                         new BufferedOutputStream(new GZIPOutputStream(file, BUFFER), BUFFER))) {
                body.writeTo(out);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
