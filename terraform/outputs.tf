output "kubernetes_auth_mount" {
  description = "Auth mount the operator and the services log in at."
  value       = vault_auth_backend.kubernetes.path
}

output "kv_mount" {
  description = "KV v2 mount posture keeps its secrets in."
  value       = vault_mount.kv.path
}

output "operator_role" {
  description = "Role for the operator's --vault-role."
  value       = vault_kubernetes_auth_backend_role.operator.role_name
}
