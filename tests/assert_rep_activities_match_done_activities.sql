-- Reconciles staging and the rep mart: the activities completed by all reps in all months equal the
-- done activity rows with a due time and an assignee in the export (reused activity ids included).
with activities as (
    select * from {{ ref('stg_pipedrive__activities') }}
),

performance as (
    select * from {{ ref('int_rep_activities_counted_monthly') }}
),

done as (
    select count(*) as activities
    from activities
    where is_done and due_at is not null and assigned_user_id is not null
),

reported as (
    select coalesce(sum(activities_completed), 0) as activities
    from performance
)

select
    done.activities as expected,
    reported.activities as reported
from done
cross join reported
where done.activities != reported.activities
