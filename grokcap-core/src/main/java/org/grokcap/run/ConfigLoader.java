package org.grokcap.run;

import org.grokcap.data.reasoning.CompositionTaskSpec;
import org.grokcap.data.reasoning.ComplexReasoningTaskSpec;
import org.grokcap.data.reasoning.ComparisonTaskSpec;
import org.grokcap.data.qa.QaTaskSpec;
import org.grokcap.data.profiles.ProfilesTaskSpec;
import org.grokcap.data.modular.ModularTaskSpec;
import org.grokcap.data.random.RandomTokensTaskSpec;
import org.grokcap.config.ConfigException;

import org.grokcap.train.ExperimentSpec;

import org.grokcap.data.TaskSpec;

import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.grokcap.util.BadInputException;
import org.grokcap.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads an {@link ExperimentSpec} from a JSON or YAML file and turns every way a file can be wrong
 * into one {@link ConfigException} line that names the file, the field and the value.
 *
 * <p>A run's {@code run.json} is also a valid config: its {@code config} member is read, so a run can
 * be re-created from its own record.
 */
public final class ConfigLoader {
    private static final List<String> EXTENSIONS = List.of(".json", ".yaml", ".yml");

    private ConfigLoader() {}

    /** The file a config argument names: the path itself, or the path with .json, .yaml or .yml added. */
    public static Path resolve(Path given) {
        if (Files.isRegularFile(given)) {
            return given;
        }
        for (String ext : EXTENSIONS) {
            Path p = given.resolveSibling(given.getFileName() + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        if (Files.isDirectory(given)) {
            throw new BadInputException("config " + given + " is a directory, not a file");
        }
        throw new BadInputException("config file not found: " + given
                + (hasExtension(given) ? "" : " (also tried " + EXTENSIONS.stream().map(e -> given.getFileName() + e)
                .collect(Collectors.joining(", ")) + ")"));
    }

    /** Whether {@link #resolve} would find a file for this argument. */
    public static boolean exists(Path given) {
        try {
            resolve(given);
            return true;
        } catch (BadInputException e) {
            return false;
        }
    }

    public static ExperimentSpec load(Path given) {
        Path file = resolve(given);
        ExperimentSpec spec = relativeTo(parse(read(file), isYaml(file), file.toString()),
                file.toAbsolutePath().getParent(), file.toString());
        return spec.name() == null ? spec.withName(defaultName(file)) : spec;
    }

    /** The spec with its task's relative file paths resolved against dir; a bad path names source. */
    public static ExperimentSpec relativeTo(ExperimentSpec spec, Path dir, String source) {
        try {
            return spec.withTask(spec.task().relativeTo(dir));
        } catch (ConfigException e) {
            throw new ConfigException(source + ": task." + e.getMessage());
        }
    }

    /** The name a config without one gets: its file name without extension, other characters as '_'. */
    public static String defaultName(Path file) {
        String base = file.getFileName().toString().replaceFirst("\\.(json|ya?ml)$", "");
        return base.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /**
     * A JSON or YAML file as a tree, read as strictly as a config (duplicate keys, trailing tokens are
     * errors); for files that hold or extend configs, such as sweep files. The file must exist.
     */
    public static JsonNode readTree(Path file) {
        try {
            return mapper(isYaml(file)).readTree(read(file));
        } catch (JacksonException e) {
            throw translate(e, file.toString());
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new BadInputException("cannot read config " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses config text; source names it in messages. */
    public static ExperimentSpec parse(String text, boolean yaml, String source) {
        ObjectMapper mapper = mapper(yaml);
        try {
            JsonNode root = mapper.readTree(text);
            if (root == null || !root.isObject()) {
                throw new ConfigException(source + ": a config must be a " + (yaml ? "YAML mapping" : "JSON object"));
            }
            if (root.has("provenance") && root.has("config")) {
                root = root.get("config");
            }
            return mapper.treeToValue(root, ExperimentSpec.class);
        } catch (JacksonException e) {
            throw translate(e, source);
        }
    }

    /**
     * The kinds of task a config's {@code task.type} names (each by its {@code @JsonTypeName}), in the
     * order error messages list them. Configs are read only here, so the list lives here rather than on
     * TaskSpec, which sits below the task packages.
     */
    static final List<Class<? extends TaskSpec>> TASK_TYPES = List.of(ModularTaskSpec.class, ProfilesTaskSpec.class,
            QaTaskSpec.class, CompositionTaskSpec.class, ComparisonTaskSpec.class, ComplexReasoningTaskSpec.class,
            RandomTokensTaskSpec.class);

    private static ObjectMapper mapper(boolean yaml) {
        ObjectMapper m = yaml ? new ObjectMapper(new YAMLFactory()) : new ObjectMapper();
        m.registerSubtypes(TASK_TYPES.toArray(Class<?>[]::new));
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        m.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
        m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        Json.rejectFractionsForIntegers(m);
        return m;
    }

    private static ConfigException translate(JacksonException e, String source) {
        if (e instanceof JsonMappingException jme) {
            String path = path(jme);
            Throwable cause = jme.getCause();
            if (jme instanceof ValueInstantiationException && cause instanceof ConfigException ce) {
                String field = ce.field().isEmpty() ? path : join(path, ce.field());
                String msg = ce.field().isEmpty() ? ce.getMessage() : ce.getMessage().substring(ce.field().length());
                return new ConfigException(source + ": " + field + msg);
            }
            if (jme instanceof ValueInstantiationException && cause instanceof IllegalArgumentException iae) {
                return new ConfigException(source + ": " + path + ": " + iae.getMessage());
            }
            if (jme instanceof UnrecognizedPropertyException upe) {
                String known = upe.getKnownPropertyIds() == null ? "" : " (known fields: "
                        + upe.getKnownPropertyIds().stream().map(Object::toString).sorted()
                        .collect(Collectors.joining(", ")) + ")";
                return new ConfigException(source + ": unknown field '" + path + "'" + known);
            }
            if (jme instanceof InvalidTypeIdException itie) {
                return new ConfigException(source + ": " + (path.isEmpty() ? "task" : path) + ".type = "
                        + (itie.getTypeId() == null ? "missing" : "\"" + itie.getTypeId() + "\"")
                        + ": must be one of: " + taskTypes());
            }
            if (jme instanceof InvalidFormatException ife && Json.isWholeNumberType(ife.getTargetType())
                    && ife.getValue() instanceof Number) {
                return new ConfigException(source + ": " + path + " = " + ife.getValue()
                        + ": must be a whole number (no fraction, no exponent)");
            }
            if (jme instanceof InvalidFormatException ife) {
                Throwable root = ife.getCause();
                String why = root instanceof IllegalArgumentException ? root.getMessage()
                        : "expected " + ife.getTargetType().getSimpleName();
                return new ConfigException(source + ": " + path + " = " + ife.getValue() + ": " + why);
            }
            if (jme instanceof MismatchedInputException mie) {
                String type = mie.getTargetType() == null ? "another type" : mie.getTargetType().getSimpleName();
                return new ConfigException(source + ": " + path + ": wrong type, expected " + type + location(e));
            }
            if (cause instanceof IllegalArgumentException iae) {
                return new ConfigException(source + ": " + path + ": " + iae.getMessage());
            }
            if (cause instanceof InputCoercionException ice) { // a number too large for its field
                return new ConfigException(source + ": " + path + ": " + ice.getOriginalMessage());
            }
        }
        return new ConfigException(source + ": malformed config" + location(e) + ": " + e.getOriginalMessage());
    }

    /** The task types a config may name, as "modular, profiles, ...". */
    private static String taskTypes() {
        return TASK_TYPES.stream().map(c -> c.getAnnotation(JsonTypeName.class).value())
                .collect(Collectors.joining(", "));
    }

    private static String location(JacksonException e) {
        JsonLocation loc = e.getLocation();
        return loc == null || loc.getLineNr() < 0 ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "." + b;
    }

    private static boolean isYaml(Path file) {
        String n = file.getFileName().toString().toLowerCase();
        return n.endsWith(".yaml") || n.endsWith(".yml");
    }

    private static boolean hasExtension(Path p) {
        return p.getFileName().toString().contains(".");
    }
}
