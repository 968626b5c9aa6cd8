{{/*
Herald chart library: the named templates shared by the three app components (gateway, ingress,
retry-worker). Component templates pass a dict:
  ctx       = the root context (.)
  component = component name as used in labels and resource names ("gateway", "retry-worker")
  values    = the component's values section (.Values.gateway, .Values.retryWorker, ...)
*/}}

{{- define "herald.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "herald.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "herald.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of a component's objects: <fullname>-<component>. Params: ctx, component. */}}
{{- define "herald.resourceName" -}}
{{- printf "%s-%s" (include "herald.fullname" .ctx) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels. Params: ctx, component. */}}
{{- define "herald.selectorLabels" -}}
app.kubernetes.io/name: {{ include "herald.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Common labels. Params: ctx, component. */}}
{{- define "herald.labels" -}}
helm.sh/chart: {{ include "herald.chart" .ctx }}
{{ include "herald.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: herald
{{- end }}

{{- define "herald.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{- define "herald.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "herald.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "herald.configMapName" -}}
{{- printf "%s-config" (include "herald.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "herald.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- printf "%s-secrets" (include "herald.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
Where REDIS_URL / REDIS_CLUSTER_NODES come from: "bundled", "url", "cluster" or "secret".
Exactly one source must be configured; anything else fails the render with a message.
*/}}
{{- define "herald.redisMode" -}}
{{- $r := .Values.redis }}
{{- $modes := list }}
{{- if $r.enabled }}{{ $modes = append $modes "bundled" }}{{ end }}
{{- if $r.url }}{{ $modes = append $modes "url" }}{{ end }}
{{- if $r.clusterNodes }}{{ $modes = append $modes "cluster" }}{{ end }}
{{- if or $r.urlFromSecret .Values.secrets.redisUrl }}{{ $modes = append $modes "secret" }}{{ end }}
{{- if ne (len $modes) 1 }}
{{- fail (printf "configure exactly one Redis: redis.enabled (bundled), redis.url, redis.clusterNodes, or redis.urlFromSecret / secrets.redisUrl; got %v" $modes) }}
{{- end }}
{{- if and $r.url (regexMatch "^[a-z]+://[^/@]*:[^/@]+@" $r.url) }}
{{- fail "redis.url carries a password: put it in a Secret (secrets.redisUrl, or REDIS_URL in secrets.existingSecret with redis.urlFromSecret: true)" }}
{{- end }}
{{- if and .Values.secrets.redisUrl .Values.secrets.existingSecret }}
{{- fail "secrets.redisUrl is ignored with secrets.existingSecret: put REDIS_URL in that Secret and set redis.urlFromSecret: true" }}
{{- end }}
{{- if and .Values.secrets.redisPassword .Values.secrets.existingSecret }}
{{- fail "secrets.redisPassword is ignored with secrets.existingSecret: put REDIS_PASSWORD in that Secret and set redis.passwordFromSecret: true" }}
{{- end }}
{{- if and (or $r.passwordFromSecret .Values.secrets.redisPassword) (not $r.clusterNodes) }}
{{- fail "a Redis password from the Secret is for redis.clusterNodes; a single Redis takes its password in REDIS_URL (secrets.redisUrl or redis.urlFromSecret)" }}
{{- end }}
{{- first $modes }}
{{- end }}

{{/*
Megaphone (broadcasts): the URL goes to the ConfigMap, its token only ever to the Secret.
*/}}
{{- define "herald.checkMegaphone" -}}
{{- if and .Values.config.megaphoneApiUrl (not .Values.secrets.existingSecret) (not .Values.secrets.megaphoneApiToken) }}
{{- fail "config.megaphoneApiUrl needs its token: secrets.megaphoneApiToken, or MEGAPHONE_API_TOKEN in secrets.existingSecret" }}
{{- end }}
{{- if and .Values.secrets.megaphoneApiToken .Values.secrets.existingSecret }}
{{- fail "secrets.megaphoneApiToken is ignored with secrets.existingSecret: put MEGAPHONE_API_TOKEN in that Secret" }}
{{- end }}
{{- end }}

{{- define "herald.redisServiceName" -}}
{{- printf "%s-redis" (include "herald.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
PUBLIC_URL: the configured value, else the ingress app's Ingress host, else its in-cluster
Service (only reachable by application servers inside the cluster).
*/}}
{{- define "herald.publicUrl" -}}
{{- $ing := .Values.ingress.ingress }}
{{- if .Values.config.publicUrl }}
{{- .Values.config.publicUrl | trimSuffix "/" }}
{{- else if and $ing.enabled $ing.host }}
{{- printf "%s://%s" (ternary "https" "http" (not (empty $ing.tls))) $ing.host }}
{{- else }}
{{- printf "http://%s.%s.svc:%v" (include "herald.resourceName" (dict "ctx" . "component" "ingress")) .Release.Namespace .Values.ingress.port }}
{{- end }}
{{- end }}

{{/* Pod annotations that roll the pods when their configuration changes. Param: ctx. */}}
{{- define "herald.lib.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- /* Values, not the rendered Secret: a generated secret must not roll pods on every upgrade. */}}
checksum/secret: {{ toJson .Values.secrets | sha256sum }}
{{- end }}

{{/*
Fails unless the grace period covers the preStop sleep, the drain (DRAIN_TIMEOUT_MS) and the 5 s
the app allows itself past it before a forced exit: otherwise the kubelet's SIGKILL cuts the
gateway's batched socket close short. Params: ctx, component, values.
*/}}
{{- define "herald.lib.checkGracePeriod" -}}
{{- $drainMs := .ctx.Values.config.drainTimeoutMs | default 20000 }}
{{- $neededMs := add (mul (int .values.preStopSleepSeconds) 1000) (int $drainMs) 5000 }}
{{- if lt (mul (int .values.terminationGracePeriodSeconds) 1000) $neededMs }}
{{- fail (printf "%s: terminationGracePeriodSeconds (%vs) must cover preStopSleepSeconds + config.drainTimeoutMs + 5s (%vms)" .component .values.terminationGracePeriodSeconds $neededMs) }}
{{- end }}
{{- end }}

{{/* Pod-level fields shared by every app. Params: ctx, values. */}}
{{- define "herald.lib.podSpec" -}}
serviceAccountName: {{ include "herald.serviceAccountName" .ctx }}
automountServiceAccountToken: false
{{- with .ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .ctx.Values.podSecurityContext | nindent 2 }}
terminationGracePeriodSeconds: {{ .values.terminationGracePeriodSeconds }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  # readOnlyRootFilesystem: the only writable place is an emptyDir at /tmp.
  - name: tmp
    emptyDir: {}
{{- end }}

{{/* Container fields shared by every app: image, ports, env, probes, security. Params: ctx, values, portEnv. */}}
{{- define "herald.lib.container" -}}
image: {{ include "herald.image" .ctx }}
imagePullPolicy: {{ .ctx.Values.image.pullPolicy }}
command:
  {{- toYaml .values.command | nindent 2 }}
ports:
  - name: http
    containerPort: {{ .values.port }}
    protocol: TCP
  - name: metrics
    containerPort: {{ .ctx.Values.config.metricsPort }}
    protocol: TCP
envFrom:
  - configMapRef:
      name: {{ include "herald.configMapName" .ctx }}
env:
  # One identity per pod: the gateway's node channel and route ownership are keyed by it.
  - name: NODE_ID
    valueFrom:
      fieldRef:
        fieldPath: metadata.name
  - name: {{ .portEnv }}
    value: {{ .values.port | quote }}
  - name: ENDPOINT_SECRET
    valueFrom:
      secretKeyRef:
        name: {{ include "herald.secretName" .ctx }}
        key: {{ .ctx.Values.secrets.keys.endpointSecret }}
  - name: ADMIN_TOKEN
    valueFrom:
      secretKeyRef:
        name: {{ include "herald.secretName" .ctx }}
        key: {{ .ctx.Values.secrets.keys.adminToken }}
  {{- if eq (include "herald.redisMode" .ctx) "secret" }}
  - name: REDIS_URL
    valueFrom:
      secretKeyRef:
        name: {{ include "herald.secretName" .ctx }}
        key: {{ .ctx.Values.secrets.keys.redisUrl }}
  {{- end }}
  {{- if or .ctx.Values.redis.passwordFromSecret .ctx.Values.secrets.redisPassword }}
  - name: REDIS_PASSWORD
    valueFrom:
      secretKeyRef:
        name: {{ include "herald.secretName" .ctx }}
        key: {{ .ctx.Values.secrets.keys.redisPassword }}
  {{- end }}
  {{- if .ctx.Values.config.megaphoneApiUrl }}
  - name: MEGAPHONE_API_TOKEN
    valueFrom:
      secretKeyRef:
        name: {{ include "herald.secretName" .ctx }}
        key: {{ .ctx.Values.secrets.keys.megaphoneApiToken }}
  {{- end }}
  {{- /* Behind the chart's own Ingress the controller is the one hop that names the client. */}}
  {{- if and (not .ctx.Values.config.trustProxy) (dig "ingress" "enabled" false .values) }}
  - name: TRUST_PROXY
    value: "1"
  {{- end }}
  {{- range $name, $value := .values.env }}
  - name: {{ $name }}
    value: {{ $value | quote }}
  {{- end }}
livenessProbe:
  httpGet:
    path: /livez
    port: http
  {{- toYaml .values.livenessProbe | nindent 2 }}
readinessProbe:
  httpGet:
    path: /healthz
    port: http
  {{- toYaml .values.readinessProbe | nindent 2 }}
{{- if gt (int .values.preStopSleepSeconds) 0 }}
lifecycle:
  # Stay up while the endpoints controller and load balancers drop this pod; the app drains
  # itself on the SIGTERM that follows.
  preStop:
    exec:
      command: [sleep, {{ .values.preStopSleepSeconds | quote }}]
{{- end }}
resources:
  {{- toYaml .values.resources | nindent 2 }}
securityContext:
  {{- toYaml .ctx.Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end }}

{{/* Service with an `http` port (unless metricsOnly) and a `metrics` port. Params: ctx, component, values, metricsOnly. */}}
{{- define "herald.lib.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "herald.resourceName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "herald.labels" . | nindent 4 }}
  {{- with .values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .values.service.type }}
  selector:
    {{- include "herald.selectorLabels" . | nindent 4 }}
  ports:
    {{- if .metricsOnly }}
    - name: metrics
      port: {{ .values.port }}
      targetPort: metrics
      protocol: TCP
    {{- else }}
    - name: http
      port: {{ .values.port }}
      targetPort: http
      protocol: TCP
    # The metrics listener (METRICS_PORT), apart from the app port: ServiceMonitors select it by
    # name, and the Ingress routes only to `http`.
    - name: metrics
      port: {{ .values.service.metricsPort }}
      targetPort: metrics
      protocol: TCP
    {{- end }}
{{- end }}

{{/* autoscaling/v2 HPA when values.autoscaling.enabled. Params: ctx, component, values. */}}
{{- define "herald.lib.hpa" -}}
{{- with .values.autoscaling }}
{{- if .enabled }}
{{- if gt (int .minReplicas) (int .maxReplicas) }}
{{- fail (printf "%s.autoscaling: minReplicas %v > maxReplicas %v" $.component .minReplicas .maxReplicas) }}
{{- end }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "herald.resourceName" $ }}
  namespace: {{ $.ctx.Release.Namespace }}
  labels:
    {{- include "herald.labels" $ | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "herald.resourceName" $ }}
  minReplicas: {{ .minReplicas }}
  maxReplicas: {{ .maxReplicas }}
  metrics:
    {{- with .targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
    {{- with .targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ . }}
    {{- end }}
  {{- with .behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
PodDisruptionBudget, only when more than one pod can run: a PDB over a single replica would
block node drains forever. Params: ctx, component, values.
*/}}
{{- define "herald.lib.pdb" -}}
{{- $v := .values }}
{{- $pods := ternary $v.autoscaling.minReplicas $v.replicas (eq $v.autoscaling.enabled true) }}
{{- if and $v.podDisruptionBudget (gt (int $pods) 1) }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "herald.resourceName" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "herald.labels" . | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- include "herald.selectorLabels" . | nindent 6 }}
  {{- toYaml $v.podDisruptionBudget | nindent 2 }}
{{- end }}
{{- end }}

{{/* Prometheus Operator ServiceMonitor on the Service port `metrics`. Params: ctx, component. */}}
{{- define "herald.lib.serviceMonitor" -}}
{{- with .ctx.Values.serviceMonitor }}
{{- if .enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "herald.resourceName" $ }}
  namespace: {{ .namespace | default $.ctx.Release.Namespace }}
  labels:
    {{- include "herald.labels" $ | nindent 4 }}
    {{- with .labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  namespaceSelector:
    matchNames:
      - {{ $.ctx.Release.Namespace }}
  selector:
    matchLabels:
      {{- include "herald.selectorLabels" $ | nindent 6 }}
  endpoints:
    - port: metrics
      path: /metrics
      {{- with .interval }}
      interval: {{ . }}
      {{- end }}
      {{- with .scrapeTimeout }}
      scrapeTimeout: {{ . }}
      {{- end }}
      {{- with .relabelings }}
      relabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .metricRelabelings }}
      metricRelabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
networking.k8s.io/v1 Ingress to the component's `http` Service port. Params: ctx, component,
values, and optionally extraPaths: exact paths routed to the same port besides values.ingress.path.
*/}}
{{- define "herald.lib.ingress" -}}
{{- with .values.ingress }}
{{- if .enabled }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "herald.resourceName" $ }}
  namespace: {{ $.ctx.Release.Namespace }}
  labels:
    {{- include "herald.labels" $ | nindent 4 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with .className }}
  ingressClassName: {{ . }}
  {{- end }}
  {{- $tls := concat (.tls | default list) (dig "tls" list ($.clientRoute | default dict)) }}
  {{- with $tls }}
  tls:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  rules:
    - {{- with .host }}
      host: {{ . | quote }}
      {{- end }}
      http:
        paths:
          - path: {{ .path }}
            pathType: {{ .pathType }}
            backend:
              service:
                name: {{ include "herald.resourceName" $ }}
                port:
                  name: http
          {{- range $.extraPaths }}
          - path: {{ . }}
            pathType: Exact
            backend:
              service:
                name: {{ include "herald.resourceName" $ }}
                port:
                  name: http
          {{- end }}
    {{- /* The seed protocol's /client/ streams, on the push endpoints' host, go to this app. */}}
    {{- with $.clientRoute }}
    {{- if .host }}
    - host: {{ .host | quote }}
      http:
        paths:
          - path: /client/
            pathType: Prefix
            backend:
              service:
                name: {{ include "herald.resourceName" $ }}
                port:
                  name: http
    {{- end }}
    {{- end }}
{{- end }}
{{- end }}
{{- end }}
