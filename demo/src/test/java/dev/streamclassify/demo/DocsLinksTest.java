package dev.streamclassify.demo;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every relative link in the README and the docs leads somewhere: the file exists and, for {@code #anchor} links into
 * Markdown, a heading with that anchor does too (GitHub's rule: lower case, punctuation dropped, spaces to hyphens).
 * Web links are not followed: the build has no internet.
 */
class DocsLinksTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** {@code [text](target)} and {@code ![alt](target)}; the target ends at the first space or closing parenthesis. */
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*\\s*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"");

    @Test
    void everyRelativeLinkInTheReadmeAndDocsLeadsToAFileAndHeadingThatExist() throws IOException {
        List<String> broken = new ArrayList<>();
        List<Path> pages = pages();
        assertThat(pages).contains(ROOT.resolve("README.md"), ROOT.resolve("docs/design.md"), ROOT.resolve("docs/configuration.md"));
        int relative = 0;
        for (Path page : pages) {
            for (String target : links(page)) {
                relative += target.contains(":") ? 0 : 1;
                check(page, target).ifPresent(broken::add);
            }
        }
        assertThat(broken).as("broken links").isEmpty();
        assertThat(relative).as("relative links found (the pattern still matches)").isGreaterThan(20);
    }

    @Test
    void anchorsFollowGitHubsHeadingRule() {
        assertThat(anchors(List.of("## An ImageNet backbone, offline (MobileNetV2 from TF.js)", "## Running securely",
                "### Zoo cuts and preprocessing", "## Running securely")))
                .contains("an-imagenet-backbone-offline-mobilenetv2-from-tfjs", "running-securely", "running-securely-1",
                        "zoo-cuts-and-preprocessing");
    }

    @Test
    void aBrokenLinkIsFound() throws IOException {
        Path page = ROOT.resolve("README.md");
        assertThat(check(page, "docs/no-such-page.md")).isPresent();
        assertThat(check(page, "docs/design.md#no-such-heading")).isPresent();
        assertThat(check(page, "docs/design.md#modules-and-packages")).isEmpty();
    }

    /** README.md and every Markdown file under docs/. */
    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    private static List<String> links(Path page) throws IOException {
        List<String> links = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(page)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (fenced) {
                continue;
            }
            Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", ""));
            while (m.find()) {
                links.add(m.group(1));
            }
        }
        return links;
    }

    /** What is wrong with {@code target} as a link from {@code page}, if anything. */
    private static Optional<String> check(Path page, String target) throws IOException {
        if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return Optional.empty(); // http:, https:, mailto:
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        String where = ROOT.relativize(page) + ": " + target;
        if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
            return Optional.of(where + " (no such file)");
        }
        if (anchor != null && resolved.toString().endsWith(".md") && !anchorsOf(resolved).contains(anchor)) {
            return Optional.of(where + " (no such heading)");
        }
        return Optional.empty();
    }

    private static Set<String> anchorsOf(Path markdown) throws IOException {
        List<String> lines = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(markdown)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced) {
                lines.add(line);
            }
        }
        return anchors(lines);
    }

    private static Set<String> anchors(List<String> lines) {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : lines) {
            Matcher html = HTML_ANCHOR.matcher(line);
            while (html.find()) {
                anchors.add(html.group(1));
            }
            Matcher h = HEADING.matcher(line);
            if (h.matches()) {
                String slug = h.group(1).toLowerCase(Locale.ROOT)
                        .replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
                        .replaceAll("[^\\p{L}\\p{N} _-]", "")
                        .replace(' ', '-');
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        return anchors;
    }
}
