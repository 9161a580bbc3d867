with source as (
    select * from {{ pipedrive_raw('deal_changes') }}
),

renamed as (
    select
        _line_number as deal_change_id,
        deal_id,
        changed_field_key,
        new_value,
        change_time as changed_at
    from source
),

parsed as (
    select
        deal_change_id,
        deal_id,
        case
            when changed_field_key = 'user_id' then {{ parse_integer('new_value') }}
        end as owner_user_id,
        case
            when changed_field_key = 'stage_id' then {{ parse_integer('new_value') }}
        end as stage_id,
        case
            when changed_field_key = 'lost_reason' then {{ parse_integer('new_value') }}
        end as lost_reason_id,
        changed_field_key,
        new_value,
        changed_at,
        case
            when changed_field_key = 'add_time' then {{ parse_timestamp('new_value') }}
        end as deal_created_at
    from renamed
),

final as (
    select
        deal_change_id,
        deal_id,
        owner_user_id,
        stage_id,
        lost_reason_id,
        changed_field_key,
        new_value,
        -- exactly one of the parsed values is set
        case when owner_user_id is null then 0 else 1 end
        + case when stage_id is null then 0 else 1 end
        + case when lost_reason_id is null then 0 else 1 end
        + case when deal_created_at is null then 0 else 1 end = 1 as is_value_parsed,
        changed_at,
        deal_created_at
    from parsed
)

select * from final
