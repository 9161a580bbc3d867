-- The limit: both reports computed straight from the raw tables by one hand-written script, with
-- the README's definitions (The funnel, in plain words) and none of the project's models, tests or
-- data-quality checks. `make benchmark-build` times it on the same server as the build (plain COPY
-- plus this script is the physical limit the build is measured against) and, at 100,000 deals,
-- checks that its two result tables equal the marts row by row.
--
-- Reads <schema>_raw (psql variable raw_schema, default public_raw); writes the temporary tables
-- limit_funnel and limit_reps (they live as long as the session).

\if :{?raw_schema}
\else
    \set raw_schema public_raw
\endif

-- Steps 1-9 (a stage change), 2.1 and 3.1 (a done sales call, by activity type), Lost (a lost
-- reason set): the mapping of seeds/funnel_steps.csv, written out.
create temporary table limit_steps (funnel_step, kpi_name, stage_id, activity_type, is_loss) as
values
    ('1', 'Lead Generation', 1, null, false),
    ('2', 'Qualified Lead', 2, null, false),
    ('2.1', 'Sales Call 1', null, 'meeting', false),
    ('3', 'Needs Assessment', 3, null, false),
    ('3.1', 'Sales Call 2', null, 'sc_2', false),
    ('4', 'Proposal/Quote Preparation', 4, null, false),
    ('5', 'Negotiation', 5, null, false),
    ('6', 'Closing', 6, null, false),
    ('7', 'Implementation/Onboarding', 7, null, false),
    ('8', 'Follow-up/Customer Success', 8, null, false),
    ('9', 'Renewal/Expansion', 9, null, false),
    ('Lost', 'Lost', null, null, true);

-- Deals entering each step per month: distinct deal ids per (month, step). A stage or lost
-- reason value counts when it is an integer (optional sign, up to nine digits, white space around).
create temporary table limit_funnel as
with changes as (
    select
        deal_id,
        changed_field_key,
        date_trunc('month', change_time) as month,
        case
            when new_value ~ '^\s*-?[0-9]{1,9}\s*$' then trim(new_value)::integer
        end as value_id
    from :"raw_schema".deal_changes
    where
        changed_field_key in ('stage_id', 'lost_reason')
        and deal_id is not null
        and change_time is not null
),

entries as (
    select changes.month, steps.funnel_step, changes.deal_id
    from changes
    inner join limit_steps as steps on changes.value_id = steps.stage_id
    where changes.changed_field_key = 'stage_id'
    union all
    select changes.month, 'Lost', changes.deal_id
    from changes
    where changes.changed_field_key = 'lost_reason' and changes.value_id is not null
    union all
    select date_trunc('month', activity.due_to), steps.funnel_step, activity.deal_id
    from :"raw_schema".activity as activity
    inner join limit_steps as steps on activity.type = steps.activity_type
    where activity.done and activity.due_to is not null and activity.deal_id is not null
),

counted as (
    select month, funnel_step, count(*)::integer as deals_count
    from (select distinct month, funnel_step, deal_id from entries) as deal_months
    group by month, funnel_step
)

select counted.month, steps.kpi_name, counted.funnel_step, counted.deals_count
from counted
inner join limit_steps as steps on counted.funnel_step = steps.funnel_step;

-- Activity and workload per rep (by id) per month of the due time: done activities with a due time
-- and an assignee; the name masked (each run of letters or digits keeps its first character).
create temporary table limit_reps as
select
    to_char(activity.due_to, 'YYYY-MM') as month,
    activity.assigned_to_user as sales_rep_id,
    coalesce(
        regexp_replace(
            users.name, '([^[:space:]!-/:-@[-`{-~])[^[:space:]!-/:-@[-`{-~]*', '\1***', 'g'
        ),
        '(unknown user)'
    ) as sales_rep_name,
    count(distinct activity.deal_id)::integer as deals_worked,
    count(*)::integer as activities_completed,
    (count(*) filter (where activity.type = 'meeting'))::integer as sales_call_1_completed,
    (count(*) filter (where activity.type = 'sc_2'))::integer as sales_call_2_completed,
    (count(*) filter (
        where activity.type is null or activity.type not in ('meeting', 'sc_2')
    ))::integer as other_activities
from :"raw_schema".activity as activity
left join :"raw_schema".users as users on activity.assigned_to_user = users.id
where activity.done and activity.due_to is not null and activity.assigned_to_user is not null
group by 1, 2, 3;
