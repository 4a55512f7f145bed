# The Vault side of the platform: what `posture vault bootstrap` writes, as Terraform/OpenTofu
# resources. A test reads this file and compares it with the bootstrap's plan
# (src/render/vault/bootstrap.ts), so both declare the same mounts, policy and role.

resource "vault_auth_backend" "kubernetes" {
  type = "kubernetes"
  path = var.auth_mount
}

resource "vault_kubernetes_auth_backend_config" "kubernetes" {
  backend            = vault_auth_backend.kubernetes.path
  kubernetes_host    = var.kubernetes_host
  kubernetes_ca_cert = var.kubernetes_ca_cert
  # Vault verifies with the given CA only, never a pod-local one (it may run outside the cluster).
  disable_local_ca_jwt = true
}

resource "vault_mount" "kv" {
  path        = var.kv_mount
  type        = "kv"
  options     = { version = "2" }
  description = "posture: NKey seeds, HMAC keys, exchange keys"
}

# Every request and response, HMAC'd, to a file on the Vault server.
resource "vault_audit" "file" {
  type = "file"
  path = "file"
  options = {
    file_path = var.audit_file
  }
}

# Rendered by `posture vault operator-policy` for the default platform; a test keeps the file
# equal to what posture renders. With other mounts, render it again with --platform.
resource "vault_policy" "operator" {
  name   = "posture-operator"
  policy = file("${path.module}/posture-operator.hcl")
}

# `posture vault operator-role`: the operator's ServiceAccount only, audience vault, its policy
# without Vault's default policy.
resource "vault_kubernetes_auth_backend_role" "operator" {
  backend                          = vault_auth_backend.kubernetes.path
  role_name                        = "posture-operator"
  bound_service_account_names      = [var.operator_service_account]
  bound_service_account_namespaces = [var.operator_namespace]
  audience                         = "vault"
  token_policies                   = [vault_policy.operator.name]
  token_no_default_policy          = true
  token_ttl                        = 3600
  token_max_ttl                    = 14400
}
