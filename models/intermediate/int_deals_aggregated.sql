-- One row per deal id of the deal log: creation, current owner, furthest stage and loss.
with deal_changes as not materialized (
    select * from {{ ref('stg_pipedrive__deal_changes') }}
),

transitions as (
    select * from {{ ref('int_deal_stage_transitions') }}
),

losses as (
    select * from {{ ref('int_deal_losses') }}
),

creations as (
    select
        deal_id,
        count(*) filter (where changed_field_key = 'add_time') as creation_events_count,
        min(changed_at) filter (where changed_field_key = 'add_time') as created_at,
        min(changed_at) as first_changed_at,
        max(changed_at) as last_changed_at
    from deal_changes
    where deal_id is not null
    group by deal_id
),

owners as (
    select distinct on (deal_id)
        deal_id,
        owner_user_id
    from deal_changes
    where owner_user_id is not null
    order by deal_id asc, changed_at desc, deal_change_id desc
),

furthest_stages as (
    select
        deal_id,
        max(stage_id) as furthest_stage_id
    from transitions
    where is_known_stage
    group by deal_id
),

last_losses as (
    select distinct on (deal_id)
        deal_id,
        lost_reason_id,
        lost_reason,
        lost_at
    from losses
    order by deal_id asc, lost_at desc, deal_change_id desc
),

final as (
    select
        creations.deal_id,
        owners.owner_user_id,
        furthest_stages.furthest_stage_id,
        last_losses.lost_reason_id,
        last_losses.lost_reason,
        creations.creation_events_count,
        creations.creation_events_count > 1 as has_reused_deal_id,
        last_losses.lost_at is not null as has_been_lost,
        creations.created_at,
        creations.first_changed_at,
        creations.last_changed_at,
        last_losses.lost_at as last_lost_at
    from creations
    left join owners
        on creations.deal_id = owners.deal_id
    left join furthest_stages
        on creations.deal_id = furthest_stages.deal_id
    left join last_losses
        on creations.deal_id = last_losses.deal_id
)

select * from final
