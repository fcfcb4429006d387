package dev.streamclassify.trainer.control.intake;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The one directory that retrain commands may read image folders from. A requested path is normalised, resolved
 * against the root if relative, and followed through symbolic links before the containment check, so neither
 * {@code ../..} nor a link planted inside the root reaches the rest of the host. Immutable and thread-safe.
 */
public final class DataRoot {

    static final int MAX_PATH_CHARS = 4096;

    private final Path configured;
    private final Path real;

    private DataRoot(Path configured, Path real) {
        this.configured = configured;
        this.real = real;
    }

    /** @throws IOException if {@code root} is not an existing directory */
    public static DataRoot of(Path root) throws IOException {
        Path configured = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(configured)) {
            throw new IOException(configured + " is not a directory");
        }
        return new DataRoot(configured, configured.toRealPath());
    }

    public Path path() {
        return real;
    }

    /**
     * @return the real path of an existing directory inside the root
     * @throws CommandRejectedException saying why the path is not acceptable
     */
    public Path resolve(String requested) throws CommandRejectedException {
        if (requested == null || requested.isBlank() || requested.length() > MAX_PATH_CHARS || requested.indexOf('\0') >= 0) {
            throw new CommandRejectedException("dataset.path must be a non-blank path of at most " + MAX_PATH_CHARS + " characters");
        }
        Path asked;
        try {
            asked = Path.of(requested);
        } catch (InvalidPathException e) {
            throw new CommandRejectedException("dataset.path '" + requested + "' is not a valid path: " + e.getReason());
        }
        Path candidate = (asked.isAbsolute() ? asked : configured.resolve(asked)).normalize();
        if (!candidate.startsWith(configured) && !candidate.startsWith(real)) {
            throw new CommandRejectedException("dataset.path '" + requested + "' is outside the data root " + configured);
        }
        Path resolved;
        try {
            resolved = candidate.toRealPath();
        } catch (IOException e) {
            throw new CommandRejectedException("dataset.path '" + requested + "' does not exist under the data root " + configured);
        }
        if (!resolved.startsWith(real)) {
            throw new CommandRejectedException("dataset.path '" + requested + "' leads outside the data root " + configured
                    + " through a symbolic link");
        }
        if (!Files.isDirectory(resolved)) {
            throw new CommandRejectedException("dataset.path '" + requested + "' is not a directory");
        }
        return resolved;
    }

    @Override
    public String toString() {
        return "DataRoot[" + configured + "]";
    }
}
