import type * as k8s from 'cdk8s-plus-33/lib/imports/k8s.js';
import { selectorLabels, serviceLabels } from '../labels.ts';
import type { ServiceModel } from '../model.ts';
import { KubeDeployment, KubeService, KubeServiceAccount } from '../kinds.ts';
import { intOrString, part, quantity, type Part } from '../objects.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { fileEnv, VAULT_TOKEN_VOLUME, vaultAgentAnnotations } from './vault-agent.ts';
import { VAULT_AUDIENCE } from '../vault/policy.ts';

// A function, not a shared constant: rendered manifests must not share objects (see objects.ts).
const runtimeDefault = () => ({ type: 'RuntimeDefault' });

function metadata(service: ServiceModel): k8s.ObjectMeta {
  return {
    name: service.name,
    namespace: service.namespace,
    labels: serviceLabels(service.namespace, service.name),
  };
}

/** The service's identity. It never mounts a token by itself: see `deploymentPart`. */
export function serviceAccountPart(service: ServiceModel): Part {
  return part(`${service.name}-serviceaccount`, KubeServiceAccount, {
    metadata: metadata(service),
    automountServiceAccountToken: false,
  });
}

function env(service: ServiceModel, platform: Platform): k8s.EnvVar[] {
  const vars = fileEnv(service);
  if (service.nats) {
    const { service: svc, namespace, port } = platform.nats;
    vars.push({ name: 'NATS_URL', value: `nats://${svc}.${namespace}.svc:${port}` });
  }
  return vars.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function resources(service: ServiceModel): k8s.ResourceRequirements | undefined {
  if (!service.resources) return undefined;
  const quantities = (m?: Record<string, string>) =>
    m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, quantity(v)]));
  return {
    requests: quantities(service.resources.requests),
    limits: quantities(service.resources.limits),
  };
}

function container(service: ServiceModel, platform: Platform): k8s.Container {
  return {
    name: service.name,
    image: service.image,
    imagePullPolicy: 'IfNotPresent',
    ports:
      service.ports.length === 0
        ? undefined
        : service.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })),
    env: env(service, platform),
    resources: resources(service),
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: service.readOnlyRootFilesystem,
      runAsNonRoot: true,
      seccompProfile: runtimeDefault(),
    },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

/**
 * Vault Agent logs in with a short-lived projected token (audience `vault`) that only the agent
 * mounts; the app container has no Kubernetes token at all.
 */
function volumes(service: ServiceModel): k8s.Volume[] {
  const list: k8s.Volume[] = [
    { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: quantity('16Mi') } },
  ];
  if (service.files.length > 0) {
    list.push({
      name: VAULT_TOKEN_VOLUME,
      projected: {
        sources: [
          {
            serviceAccountToken: {
              audience: VAULT_AUDIENCE,
              expirationSeconds: 600,
              path: 'token',
            },
          },
        ],
      },
    });
  }
  return list;
}

/**
 * A hardened Deployment: non-root with a fixed uid, read-only root filesystem, no capabilities,
 * no privilege escalation, seccomp RuntimeDefault (Pod Security `restricted`), image by digest,
 * no service account token, no service links; secrets arrive as files from Vault Agent.
 */
export function deploymentPart(service: ServiceModel, platform: Platform): Part {
  const annotations = vaultAgentAnnotations(service, platform);
  return part(`${service.name}-deployment`, KubeDeployment, {
    metadata: metadata(service),
    spec: {
      replicas: service.replicas,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(service.name) },
      template: {
        metadata: {
          labels: serviceLabels(service.namespace, service.name),
          ...(Object.keys(annotations).length > 0 && { annotations }),
        },
        spec: {
          serviceAccountName: service.name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: service.runAsUser,
            runAsGroup: service.runAsGroup,
            fsGroup: service.runAsGroup,
            seccompProfile: runtimeDefault(),
          },
          containers: [container(service, platform)],
          volumes: volumes(service),
        },
      },
    },
  });
}

/** A ClusterIP Service for the declared ports; none when the service declares no port. */
export function servicePart(service: ServiceModel): Part | undefined {
  if (service.ports.length === 0) return undefined;
  return part(`${service.name}-service`, KubeService, {
    metadata: metadata(service),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(service.name),
      ports: service.ports.map((p) => ({
        name: p.name,
        port: p.port,
        protocol: p.protocol,
        targetPort: intOrString(p.name),
      })),
    },
  });
}
