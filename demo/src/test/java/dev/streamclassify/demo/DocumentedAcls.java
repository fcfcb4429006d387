package dev.streamclassify.demo;

import dev.streamclassify.trainer.publish.VersionWriter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.apache.kafka.common.acl.AclOperation.CREATE;
import static org.apache.kafka.common.acl.AclOperation.DELETE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE_CONFIGS;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;

/**
 * The ACLs of docs/security.md ("ACLs per principal") for the default topic names, as the broker's admin would
 * create them, so a test can show they are enough for the whole loop and keep each service to its part. Both
 * services here create their topics at start, so each also gets Create on its own topics.
 */
final class DocumentedAcls {

    private final List<AclBinding> bindings = new ArrayList<>();

    private DocumentedAcls() {
    }

    static List<AclBinding> streamsApp(String user, String applicationId) {
        DocumentedAcls a = new DocumentedAcls();
        a.topic(user, "images", READ, DESCRIBE, CREATE);
        a.topic(user, "predictions", WRITE, DESCRIBE, CREATE);
        a.topic(user, "images-dlq", WRITE, DESCRIBE, CREATE);
        a.topic(user, "models", READ, DESCRIBE, CREATE);
        a.topic(user, "predictions-shadow", WRITE, DESCRIBE, CREATE);
        a.topic(user, "labels", READ, DESCRIBE, CREATE);
        a.topic(user, "model-quality", WRITE, DESCRIBE, CREATE);
        a.allow(user, new ResourcePattern(ResourceType.GROUP, applicationId, PatternType.LITERAL), READ);
        a.allow(user, new ResourcePattern(ResourceType.TOPIC, applicationId + "-", PatternType.PREFIXED),
                CREATE, READ, WRITE, DELETE, DESCRIBE, DESCRIBE_CONFIGS);
        a.allow(user, new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL), DESCRIBE);
        return a.bindings;
    }

    static List<AclBinding> trainer(String user, String groupId) {
        DocumentedAcls a = new DocumentedAcls();
        a.topic(user, "control", READ, DESCRIBE, CREATE);
        a.topic(user, "training-status", READ, WRITE, DESCRIBE, CREATE);
        a.topic(user, "models", READ, WRITE, DESCRIBE, CREATE);
        a.topic(user, "training-images", READ, DESCRIBE, CREATE);
        a.topic(user, "images", READ, DESCRIBE);
        a.allow(user, new ResourcePattern(ResourceType.GROUP, groupId, PatternType.LITERAL), READ);
        a.allow(user, new ResourcePattern(ResourceType.TRANSACTIONAL_ID, VersionWriter.transactionalId("models", ""), PatternType.PREFIXED),
                WRITE, DESCRIBE);
        a.allow(user, new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL), DESCRIBE);
        return a.bindings;
    }

    /** Operator, labeller, image producer and prediction reader in one: what the test itself does. */
    static List<AclBinding> user(String user) {
        DocumentedAcls a = new DocumentedAcls();
        a.topic(user, "control", WRITE, DESCRIBE);
        a.topic(user, "training-images", WRITE, DESCRIBE);
        a.topic(user, "images", WRITE, DESCRIBE);
        a.topic(user, "training-status", READ, DESCRIBE);
        a.topic(user, "predictions", READ, DESCRIBE);
        a.topic(user, "models", READ, DESCRIBE);
        return a.bindings;
    }

    static void create(Admin admin, List<AclBinding> bindings) throws Exception {
        admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
    }

    private void topic(String user, String topic, AclOperation... operations) {
        allow(user, new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL), operations);
    }

    private void allow(String user, ResourcePattern resource, AclOperation... operations) {
        for (AclOperation op : operations) {
            bindings.add(new AclBinding(resource, new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW)));
        }
    }
}
