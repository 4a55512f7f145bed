{{/* Labels every object of the chart carries. */}}
{{- define "posture.labels" -}}
app.kubernetes.io/name: posture
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}
