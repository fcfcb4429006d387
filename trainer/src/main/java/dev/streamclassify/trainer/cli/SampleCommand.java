package dev.streamclassify.trainer.cli;

import dev.streamclassify.trainer.dataset.FashionMnist;
import dev.streamclassify.trainer.dataset.SampleMaker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "sample", description = "Write a per-class sample of Fashion-MNIST as gzip IDX files (how the committed test sample is made).")
final class SampleCommand implements Callable<Integer> {

    @Option(names = "--source", description = "folder with the Fashion-MNIST IDX files (default: the Debian package)")
    Path source;

    @Option(names = "--out", required = true)
    Path out;

    @Option(names = "--train-per-class", defaultValue = "400")
    int trainPerClass;

    @Option(names = "--test-per-class", defaultValue = "100")
    int testPerClass;

    @Option(names = "--seed", defaultValue = "42")
    long seed;

    @Override
    public Integer call() throws Exception {
        SampleMaker.write(source == null ? FashionMnist.defaultDir() : source, out, trainPerClass, testPerClass, seed);
        System.out.println("wrote sample to " + out);
        return 0;
    }
}
