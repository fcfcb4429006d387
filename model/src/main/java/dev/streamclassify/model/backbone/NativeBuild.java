package dev.streamclassify.model.backbone;

import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

/**
 * Which nd4j-native build this process runs: the Maven classifier ({@code linux-x86_64}, {@code -avx2}, {@code -avx512},
 * {@code -onednn}, {@code -onednn-avx2}, {@code -onednn-avx512}, chosen by the {@code nd4j.extension} property of the
 * build) as JavaCPP loaded it. Speed differs several times between them, so services log it and export it.
 *
 * @param classifier the classifier of the loaded libnd4jcpu, e.g. {@code linux-x86_64-onednn-avx2}
 * @param oneDnn     whether that build has oneDNN (the raw nd4j conv/pooling ops then use it)
 * @param library    where the library was loaded from, or what was found on the class path
 */
public record NativeBuild(String classifier, boolean oneDnn, String library) {

    private static final String BINDINGS = "org/nd4j/linalg/cpu/nativecpu/bindings/";
    /** Most specific first, so "-onednn-avx2" is not reported as "-onednn". */
    private static final List<String> EXTENSIONS = List.of("-onednn-avx512", "-onednn-avx2", "-onednn", "-avx512", "-avx2", "");

    /** Loads the nd4j backend if it is not loaded yet and reports its build. */
    public static NativeBuild current() {
        Nd4j.getBackend();
        String platform = Loader.getPlatform();
        for (Map.Entry<String, String> e : Loader.getLoadedLibraries().entrySet()) {
            String path = e.getValue();
            if (e.getKey().contains("nd4jcpu") && path != null) {
                for (String ext : EXTENSIONS) {
                    if (path.contains("/" + platform + ext + "/")) {
                        return of(platform + ext, path);
                    }
                }
            }
        }
        // not loaded through JavaCPP's cache (e.g. a system library path): say what the class path offers
        for (String ext : EXTENSIONS) {
            String resource = BINDINGS + platform + ext + "/";
            if (NativeBuild.class.getClassLoader().getResource(resource) != null) {
                return of(platform + ext, "classpath:" + resource);
            }
        }
        return new NativeBuild(platform + "?", false, "unknown");
    }

    private static NativeBuild of(String classifier, String library) {
        return new NativeBuild(classifier, classifier.contains("-onednn"), library);
    }
}
