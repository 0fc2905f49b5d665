/*
 * DreamBoothPrompts: the DreamBooth dataset's prompts_and_classes.txt (google/dreambooth) — the
 * subject → class table and the 25 evaluation prompts, one list for objects and one for live
 * subjects (the dataset's dogs and cats), each a Python template 'a {0} {1} …'.format(unique_token,
 * class_token) — read from the file, nothing hard-coded.
 */
package dev.spectune.evaluation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public record DreamBoothPrompts(Map<String, String> classes, List<String> objectTemplates, List<String> liveTemplates) {

    /** Classes whose subjects are live (the dataset's README: the 9 live subjects are dogs and cats). */
    static final List<String> LIVE_CLASSES = List.of("dog", "cat");

    private static final Pattern TEMPLATE = Pattern.compile("^'(.*)'\\.format\\(unique_token, class_token\\),?$");

    public static DreamBoothPrompts read(Path file) throws IOException {
        Map<String, String> classes = new LinkedHashMap<>();
        List<String> object = new ArrayList<>(), live = new ArrayList<>();
        List<String> current = null;
        boolean inClasses = false;
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (line.equals("Classes")) inClasses = true;
            else if (line.equals("Prompts")) inClasses = false;
            else if (line.equals("Object Prompts")) current = object;
            else if (line.equals("Live Subject Prompts")) current = live;
            else if (inClasses && line.contains(",") && !line.equals("subject_name,class")) {
                String[] parts = line.split(",", 2);
                classes.put(parts[0].strip(), parts[1].strip());
            } else if (current != null) {
                Matcher m = TEMPLATE.matcher(line);
                if (m.matches()) current.add(m.group(1));
            }
        }
        if (classes.isEmpty() || object.isEmpty() || live.isEmpty()) {
            throw new IllegalArgumentException(file + ": expected a Classes table and Object and Live Subject prompt lists (the DreamBooth dataset's"
                    + " prompts_and_classes.txt), found " + classes.size() + " classes, " + object.size() + " object and " + live.size() + " live prompts");
        }
        return new DreamBoothPrompts(Map.copyOf(classes), List.copyOf(object), List.copyOf(live));
    }

    /** The subject's class noun from the table; an error naming the file's subjects when it is not there. */
    public String classOf(String subject) {
        String c = classes.get(subject);
        if (c == null) throw new IllegalArgumentException("subject '" + subject + "' is not in the prompts file (has " + new java.util.TreeSet<>(classes.keySet()) + "); give --class");
        return c;
    }

    /** The subject's prompts: the live list for a dog or cat, else the object list, with the identifier and the class filled in. */
    public List<String> prompts(String classNoun, String identifier) {
        List<String> templates = LIVE_CLASSES.contains(classNoun) ? liveTemplates : objectTemplates;
        return templates.stream().map(t -> t.replace("{0}", identifier).replace("{1}", classNoun)).toList();
    }
}
