package dev.streamclassify.trainer.cli;

import dev.streamclassify.model.signing.SigningKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.concurrent.Callable;

@Command(name = "keygen", description = "Make an Ed25519 key pair for signing model versions: the private key for the "
        + "trainer (models.signing.key), the public key for every service that loads versions (models.trusted.keys).")
final class KeygenCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "directory for model-signing.key (private, mode 600) and model-signing.pub")
    Path out;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(out);
        Path privateFile = out.resolve("model-signing.key");
        Path publicFile = out.resolve("model-signing.pub");
        if (Files.exists(privateFile) || Files.exists(publicFile)) {
            throw new FileAlreadyExistsException(privateFile + " or " + publicFile + ": refusing to overwrite a key");
        }
        KeyPair pair = SigningKeys.generate();
        Files.createFile(privateFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(privateFile, SigningKeys.privatePem(pair.getPrivate()));
        Files.writeString(publicFile, SigningKeys.publicPem(pair.getPublic()));
        System.out.printf("key id %s%nprivate key: %s (keep secret; trainer: models.signing.key=file:%s)%n"
                        + "public key:  %s%nstreams-app: models.trusted.keys=%s%n", SigningKeys.keyId(pair.getPublic()),
                privateFile, privateFile.toAbsolutePath(), publicFile, SigningKeys.publicBase64(pair.getPublic()));
        return 0;
    }
}
