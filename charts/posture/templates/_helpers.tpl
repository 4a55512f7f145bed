{{/* Labels every object of the chart carries. */}}
{{- define "posture.labels" -}}
app.kubernetes.io/name: posture
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The operator's pods: Deployment selector, Service selector, spread constraints. */}}
{{- define "posture.selectorLabels" -}}
app.kubernetes.io/name: posture
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/* platform.yaml: values.platform with the chart's NATS namespace. */}}
{{- define "posture.platform" -}}
{{- $nats := dict "nats" (dict "namespace" .Values.nats.namespace) -}}
{{- toYaml (mergeOverwrite (deepCopy .Values.platform) $nats) -}}
{{- end }}
