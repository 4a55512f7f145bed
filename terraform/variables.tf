variable "kubernetes_host" {
  description = "URL of the apiserver that Vault asks for TokenReviews."
  type        = string
}

variable "kubernetes_ca_cert" {
  description = "PEM bundle that verifies that apiserver."
  type        = string
}

variable "auth_mount" {
  description = "Kubernetes auth mount (platform.yaml vault.authMount)."
  type        = string
  default     = "kubernetes"
}

variable "kv_mount" {
  description = "KV v2 mount (platform.yaml vault.kvMount)."
  type        = string
  default     = "secret"
}

variable "audit_file" {
  description = "File the audit device writes, on the Vault server."
  type        = string
  default     = "/vault/audit/audit.log"
}

variable "operator_namespace" {
  description = "Namespace of the operator's ServiceAccount."
  type        = string
  default     = "posture-system"
}

variable "operator_service_account" {
  description = "The operator's ServiceAccount."
  type        = string
  default     = "posture"
}
