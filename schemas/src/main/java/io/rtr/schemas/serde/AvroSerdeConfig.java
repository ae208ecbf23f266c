package io.rtr.schemas.serde;

import io.rtr.schemas.registry.RestSchemaRegistryClient;
import io.rtr.schemas.registry.SchemaRegistryClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of {@link AvroSerializer}, {@link AvroDeserializer} and {@link AvroSerde}; the
 * keys are Confluent's, so the same client properties work with Confluent's serde.
 */
public final class AvroSerdeConfig extends AbstractConfig {

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    public static final String SCHEMA_REGISTRY_URL_DOC = "Comma-separated base URLs of a Confluent-compatible"
            + " schema registry, e.g. http://127.0.0.1:8081; tried in order when one cannot be reached."
            + " Required unless rtr.schema.registry.client is given.";

    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";
    public static final boolean AUTO_REGISTER_SCHEMAS_DEFAULT = true;
    public static final String AUTO_REGISTER_SCHEMAS_DOC = "Whether the serializer registers the record's"
            + " schema under the subject; when false the schema must already be registered and is looked up.";

    public static final String SPECIFIC_AVRO_KEY_TYPE_CONFIG = "specific.avro.key.type";
    public static final String SPECIFIC_AVRO_KEY_TYPE_DOC = "SpecificRecord class a key deserializer"
            + " built without a class reads into (its SCHEMA$ is the reader schema).";

    public static final String SPECIFIC_AVRO_VALUE_TYPE_CONFIG = "specific.avro.value.type";
    public static final String SPECIFIC_AVRO_VALUE_TYPE_DOC = "SpecificRecord class a value deserializer"
            + " built without a class reads into (its SCHEMA$ is the reader schema).";

    public static final String SCHEMA_REGISTRY_CONNECT_TIMEOUT_MS_CONFIG = "schema.registry.connect.timeout.ms";
    public static final long SCHEMA_REGISTRY_CONNECT_TIMEOUT_MS_DEFAULT =
            RestSchemaRegistryClient.DEFAULT_CONNECT_TIMEOUT.toMillis();
    public static final String SCHEMA_REGISTRY_CONNECT_TIMEOUT_MS_DOC = "Milliseconds to connect to one"
            + " registry URL before the next one is tried.";

    public static final String SCHEMA_REGISTRY_REQUEST_TIMEOUT_MS_CONFIG = "schema.registry.request.timeout.ms";
    public static final long SCHEMA_REGISTRY_REQUEST_TIMEOUT_MS_DEFAULT =
            RestSchemaRegistryClient.DEFAULT_REQUEST_TIMEOUT.toMillis();
    public static final String SCHEMA_REGISTRY_REQUEST_TIMEOUT_MS_DOC = "Milliseconds one registry request"
            + " may take to be answered.";

    public static final String SCHEMA_REGISTRY_MAX_RETRIES_CONFIG = "schema.registry.max.retries";
    public static final int SCHEMA_REGISTRY_MAX_RETRIES_DEFAULT = RestSchemaRegistryClient.DEFAULT_MAX_RETRIES;
    public static final String SCHEMA_REGISTRY_MAX_RETRIES_DOC = "Retries after a retriable registry failure"
            + " (unreachable, 5xx, 408, 429); permanent failures are not retried.";

    public static final String SCHEMA_REGISTRY_RETRY_BACKOFF_MS_CONFIG = "schema.registry.retry.backoff.ms";
    public static final long SCHEMA_REGISTRY_RETRY_BACKOFF_MS_DEFAULT =
            RestSchemaRegistryClient.DEFAULT_RETRY_BACKOFF.toMillis();
    public static final String SCHEMA_REGISTRY_RETRY_BACKOFF_MS_DOC = "Milliseconds before the first retry;"
            + " doubles with each retry up to 2 s.";

    /**
     * Not a ConfigDef key because its value is an object: a {@link SchemaRegistryClient} instance
     * that serdes use instead of building their own, so that one application shares one cache and
     * tests can pass an in-memory registry.
     */
    public static final String SCHEMA_REGISTRY_CLIENT_CONFIG = "rtr.schema.registry.client";

    private static final ConfigDef CONFIG = new ConfigDef()
            .define(SCHEMA_REGISTRY_URL_CONFIG, ConfigDef.Type.LIST, List.of(),
                    ConfigDef.Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
            .define(AUTO_REGISTER_SCHEMAS_CONFIG, ConfigDef.Type.BOOLEAN, AUTO_REGISTER_SCHEMAS_DEFAULT,
                    ConfigDef.Importance.MEDIUM, AUTO_REGISTER_SCHEMAS_DOC)
            .define(SPECIFIC_AVRO_KEY_TYPE_CONFIG, ConfigDef.Type.CLASS, null,
                    ConfigDef.Importance.MEDIUM, SPECIFIC_AVRO_KEY_TYPE_DOC)
            .define(SPECIFIC_AVRO_VALUE_TYPE_CONFIG, ConfigDef.Type.CLASS, null,
                    ConfigDef.Importance.MEDIUM, SPECIFIC_AVRO_VALUE_TYPE_DOC)
            .define(SCHEMA_REGISTRY_CONNECT_TIMEOUT_MS_CONFIG, ConfigDef.Type.LONG,
                    SCHEMA_REGISTRY_CONNECT_TIMEOUT_MS_DEFAULT, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.LOW, SCHEMA_REGISTRY_CONNECT_TIMEOUT_MS_DOC)
            .define(SCHEMA_REGISTRY_REQUEST_TIMEOUT_MS_CONFIG, ConfigDef.Type.LONG,
                    SCHEMA_REGISTRY_REQUEST_TIMEOUT_MS_DEFAULT, ConfigDef.Range.atLeast(1),
                    ConfigDef.Importance.LOW, SCHEMA_REGISTRY_REQUEST_TIMEOUT_MS_DOC)
            .define(SCHEMA_REGISTRY_MAX_RETRIES_CONFIG, ConfigDef.Type.INT,
                    SCHEMA_REGISTRY_MAX_RETRIES_DEFAULT, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.LOW, SCHEMA_REGISTRY_MAX_RETRIES_DOC)
            .define(SCHEMA_REGISTRY_RETRY_BACKOFF_MS_CONFIG, ConfigDef.Type.LONG,
                    SCHEMA_REGISTRY_RETRY_BACKOFF_MS_DEFAULT, ConfigDef.Range.atLeast(0),
                    ConfigDef.Importance.LOW, SCHEMA_REGISTRY_RETRY_BACKOFF_MS_DOC);

    /** Parses {@code props}; keys this class does not know (producer, consumer, streams) are ignored. */
    public AvroSerdeConfig(Map<String, ?> props) {
        // Not logged: a serde is configured once per topic and client, and the client config is
        // already logged by Kafka.
        super(CONFIG, props, false);
    }

    /** The definition of every key, for documentation and for embedding in a larger ConfigDef. */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** The smallest serde configuration: the registry's URL(s). */
    public static Map<String, Object> forRegistryUrl(String commaSeparatedUrls) {
        Map<String, Object> props = new HashMap<>();
        props.put(SCHEMA_REGISTRY_URL_CONFIG, commaSeparatedUrls);
        return props;
    }

    /** A serde configuration that makes every serde use {@code client}. */
    public static Map<String, Object> forRegistryClient(SchemaRegistryClient client) {
        Map<String, Object> props = new HashMap<>();
        props.put(SCHEMA_REGISTRY_CLIENT_CONFIG, client);
        return props;
    }

    /** Whether the serializer registers schemas ({@value #AUTO_REGISTER_SCHEMAS_CONFIG}). */
    public boolean autoRegisterSchemas() {
        return getBoolean(AUTO_REGISTER_SCHEMAS_CONFIG);
    }

    /** The configured SpecificRecord class for keys or values, or null when none is set. */
    public Class<?> specificType(boolean isKey) {
        return getClass(isKey ? SPECIFIC_AVRO_KEY_TYPE_CONFIG : SPECIFIC_AVRO_VALUE_TYPE_CONFIG);
    }

    /**
     * The client given under {@value #SCHEMA_REGISTRY_CLIENT_CONFIG}, or a new
     * {@link RestSchemaRegistryClient} for {@value #SCHEMA_REGISTRY_URL_CONFIG}.
     *
     * @throws ConfigException when neither is given or the instance is not a client
     */
    public SchemaRegistryClient registryClient() {
        Object instance = originals().get(SCHEMA_REGISTRY_CLIENT_CONFIG);
        if (instance != null) {
            if (!(instance instanceof SchemaRegistryClient)) {
                throw new ConfigException(SCHEMA_REGISTRY_CLIENT_CONFIG, instance.getClass().getName(),
                        "must be an instance of " + SchemaRegistryClient.class.getName());
            }
            return (SchemaRegistryClient) instance;
        }
        List<String> urls = getList(SCHEMA_REGISTRY_URL_CONFIG);
        List<URI> uris = new ArrayList<>();
        for (String url : urls) {
            if (!url.isBlank()) {
                uris.add(parseUrl(url.trim()));
            }
        }
        if (uris.isEmpty()) {
            throw new ConfigException(SCHEMA_REGISTRY_URL_CONFIG, urls,
                    "a schema registry URL is required (or " + SCHEMA_REGISTRY_CLIENT_CONFIG + ")");
        }
        try {
            return new RestSchemaRegistryClient(uris,
                    Duration.ofMillis(getLong(SCHEMA_REGISTRY_CONNECT_TIMEOUT_MS_CONFIG)),
                    Duration.ofMillis(getLong(SCHEMA_REGISTRY_REQUEST_TIMEOUT_MS_CONFIG)),
                    getInt(SCHEMA_REGISTRY_MAX_RETRIES_CONFIG),
                    Duration.ofMillis(getLong(SCHEMA_REGISTRY_RETRY_BACKOFF_MS_CONFIG)));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(SCHEMA_REGISTRY_URL_CONFIG, urls, e.getMessage());
        }
    }

    private static URI parseUrl(String url) {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(SCHEMA_REGISTRY_URL_CONFIG, url, "not a URL: " + e.getMessage());
        }
    }
}
