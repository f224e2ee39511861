#!/usr/bin/env bash
# tutorsync as a Cloud Run job, started on weekday mornings by Cloud Scheduler.
#
# Edit the values below, then run from the repository root: `bash deploy/cloudrun.sh`.
# Running it again updates the job and the schedule in place.
#
# Needs: gcloud signed in with rights to deploy Cloud Run jobs, create secrets, buckets and
# scheduler jobs in the project; docker, to build the image (deploy/Dockerfile).
set -euo pipefail

PROJECT=my-project
REGION=us-central1
JOB=tutorsync
IMAGE="$REGION-docker.pkg.dev/$PROJECT/tutorsync/tutorsync:0.1.0"
# The identity the job runs as: it reads the key secret and the config bucket.
RUN_SA="tutorsync-run@$PROJECT.iam.gserviceaccount.com"
# The identity Cloud Scheduler calls the Cloud Run API with: it may start the job, no more.
SCHEDULER_SA="tutorsync-scheduler@$PROJECT.iam.gserviceaccount.com"
KEY_SECRET=tutorsync-google-key
CONFIG_BUCKET="$PROJECT-tutorsync-programs"
# Each task takes one shard of the programs; more tasks, shorter runs, same quota.
SHARDS=3

if [ "$PROJECT" = my-project ]; then
    echo "Edit PROJECT and the other values at the top of $0 first." >&2
    exit 2
fi

# Two identities, each with only what it needs (granted below).
for account in "$RUN_SA" "$SCHEDULER_SA"; do
    gcloud iam service-accounts describe "$account" --project "$PROJECT" >/dev/null 2>&1 ||
        gcloud iam service-accounts create "${account%%@*}" --project "$PROJECT"
done

# The image: the same one Kubernetes uses, pushed to Artifact Registry.
gcloud artifacts repositories describe tutorsync --project "$PROJECT" --location "$REGION" \
    >/dev/null 2>&1 ||
    gcloud artifacts repositories create tutorsync --project "$PROJECT" --location "$REGION" \
        --repository-format docker
gcloud auth configure-docker "$REGION-docker.pkg.dev" --quiet
docker build -f deploy/Dockerfile -t "$IMAGE" .
docker push "$IMAGE"

# Program configs live in a bucket, mounted read-only at /config: changing a program is
# `gcloud storage cp programs/lincoln.toml gs://$CONFIG_BUCKET/`, no redeploy. In each
# config, key_file = "/secrets/sa.json" (where --set-secrets puts the key below).
gcloud storage buckets describe "gs://$CONFIG_BUCKET" >/dev/null 2>&1 ||
    gcloud storage buckets create "gs://$CONFIG_BUCKET" --project "$PROJECT" \
        --location "$REGION" --uniform-bucket-level-access
gcloud storage buckets add-iam-policy-binding "gs://$CONFIG_BUCKET" \
    --member "serviceAccount:$RUN_SA" --role roles/storage.objectViewer

# The key of the service account the spreadsheets are shared with, kept in Secret Manager
# and never in the image or this script.
if ! gcloud secrets describe "$KEY_SECRET" --project "$PROJECT" >/dev/null 2>&1; then
    echo "Create the key secret once, then run again:" >&2
    echo "  gcloud secrets create $KEY_SECRET --project $PROJECT --data-file=sa.json" >&2
    exit 2
fi
gcloud secrets add-iam-policy-binding "$KEY_SECRET" --project "$PROJECT" \
    --member "serviceAccount:$RUN_SA" --role roles/secretmanager.secretAccessor

# --tasks: Cloud Run sets CLOUD_RUN_TASK_INDEX and CLOUD_RUN_TASK_COUNT in each task, which
#   tutorsync reads as its shard; its default --quota-share auto then paces each task at
#   1/SHARDS of the service account's per-user quota, which all tasks share.
# --max-retries: per task, so a failed shard is retried without rerunning the others; runs
#   are idempotent, so a retry only finishes what the failed attempt left.
# --task-timeout: Cloud Run does not stop a second execution from starting while one runs,
#   and each task has its own /tmp, so no run lock is shared. Keeping every attempt far
#   shorter than the interval between scheduled starts is what keeps runs from overlapping.
# --set-secrets: mounted as a file, read when a task starts. Cloud Run makes it 0444, owned
#   by root, and gcloud cannot change that, so tutorsync logs its "can be opened by other
#   users" warning; no other user exists in the container. To have no key at all, set
#   auth = "adc" in the configs, run the job as the service account the spreadsheets are
#   shared with (--service-account) and drop --set-secrets.
# CLOUD_RUN_EXECUTION, the same in every task of one run, is tutorsync's run id.
gcloud run jobs deploy "$JOB" \
    --project "$PROJECT" \
    --region "$REGION" \
    --image "$IMAGE" \
    --service-account "$RUN_SA" \
    --tasks "$SHARDS" \
    --parallelism "$SHARDS" \
    --max-retries 2 \
    --task-timeout 50m \
    --cpu 1 \
    --memory 1Gi \
    --set-secrets "/secrets/sa.json=$KEY_SECRET:latest" \
    --add-volume "name=programs,type=cloud-storage,bucket=$CONFIG_BUCKET,readonly=true" \
    --add-volume-mount "volume=programs,mount-path=/config" \
    --args "run,--config-dir,/config,--log-format,json"

# Only the scheduler's identity may start the job.
gcloud run jobs add-iam-policy-binding "$JOB" --project "$PROJECT" --region "$REGION" \
    --member "serviceAccount:$SCHEDULER_SA" --role roles/run.invoker

# Weekdays 06:30 in the programs' time zone. The call only starts an execution and returns.
# No retries of it: a call that timed out may still have started a run, and a second one
# would overlap it.
if gcloud scheduler jobs describe "$JOB-weekdays" --project "$PROJECT" --location "$REGION" \
    >/dev/null 2>&1; then
    verb=update
else
    verb=create
fi
gcloud scheduler jobs "$verb" http "$JOB-weekdays" \
    --project "$PROJECT" \
    --location "$REGION" \
    --schedule "30 6 * * 1-5" \
    --time-zone "America/Chicago" \
    --uri "https://run.googleapis.com/v2/projects/$PROJECT/locations/$REGION/jobs/$JOB:run" \
    --http-method POST \
    --oauth-service-account-email "$SCHEDULER_SA" \
    --max-retry-attempts 0

# A run right now, waiting for it to finish:
#   gcloud run jobs execute tutorsync --region us-central1 --wait
# Its logs, one JSON line per event:
#   gcloud logging read 'resource.type="cloud_run_job" AND resource.labels.job_name="tutorsync"'
